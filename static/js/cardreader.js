/* ID card reader for the kiosk: drivers, a polling loop with debounce, the simulator panel.
 *
 * Both drivers resolve with the vendor bridge's flat JSON ({resultFlag, certNumber, ...}) and
 * reject with an Error whose `code` is "reader_unavailable" (network, HTTP error, timeout) or
 * "bad_field" (not JSON). Plain ES2018, no modules: everything hangs off window.GigCardReader.
 */
(function () {
  "use strict";

  var SIM_STORAGE_KEY = "gm.sim.card";
  var NO_CARD_FLAGS = [-2, -3]; // 寻卡失败 / 选卡失败: nothing (readable) on the reader

  function readerError(code) {
    var err = new Error("card reader: " + code);
    err.code = code;
    return err;
  }

  /* GET a URL as JSON, aborting after timeoutMs. */
  function fetchJson(url, timeoutMs, init) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeoutMs);
    var options = Object.assign(
      { method: "GET", cache: "no-store", headers: { Accept: "application/json" }, signal: controller.signal },
      init
    );
    return fetch(url, options)
      .then(function (response) {
        if (!response.ok) throw readerError("reader_unavailable");
        return response.json().catch(function () { throw readerError("bad_field"); });
      }, function () {
        throw readerError("reader_unavailable"); // refused, offline, or aborted by the timeout
      })
      .finally(function () { clearTimeout(timer); });
  }

  /* The vendor's bridge service on loopback (cross-origin, so mode 'cors'). */
  class BridgeDriver {
    constructor(url, options) {
      this.url = url;
      this.timeoutMs = (options && options.timeoutMs) || 4000;
    }

    read() {
      return fetchJson(this.url, this.timeoutMs, { mode: "cors", credentials: "omit" });
    }
  }

  /* The product's simulated reader: the placed card lives in this tab's sessionStorage. */
  class SimulatedDriver {
    constructor(baseUrl, options) {
      this.baseUrl = String(baseUrl || "").replace(/\/+$/, "");
      this.timeoutMs = (options && options.timeoutMs) || 8000; // the "slow" card takes ~2 s
    }

    static placed() {
      try { return window.sessionStorage.getItem(SIM_STORAGE_KEY); } catch (e) { return null; }
    }

    static place(key) {
      try { window.sessionStorage.setItem(SIM_STORAGE_KEY, key); } catch (e) { /* no storage */ }
    }

    static lift() {
      try { window.sessionStorage.removeItem(SIM_STORAGE_KEY); } catch (e) { /* no storage */ }
    }

    read() {
      var key = SimulatedDriver.placed() || "none";
      var url = this.baseUrl + "/readcard?card=" + encodeURIComponent(key);
      return fetchJson(url, this.timeoutMs, { mode: "same-origin", credentials: "same-origin" });
    }
  }

  /* A number from the bridge's resultFlag (some bridges send a string), NaN if it is none. */
  function parseFlag(value) {
    if (typeof value === "number" && Number.isInteger(value)) return value;
    if (typeof value === "string" && /^\s*-?\d{1,6}\s*$/.test(value)) return parseInt(value, 10);
    return NaN;
  }

  /* Polls a driver: one request at a time; each card (by certNumber) is delivered once until a
   * no-card answer is seen (the card was lifted) or reset() is called. The same error is reported
   * once per streak. Note: some bridges answer "no card" right after a read even while the card
   * lies on the reader; the card then counts as lifted and is delivered again when re-placed. */
  class CardPoller {
    constructor(driver, options) {
      var o = options || {};
      this.driver = driver;
      this.intervalMs = o.intervalMs || 700;
      this.onCard = o.onCard || function () {};
      this.onError = o.onError || function () {};
      this.onLifted = o.onLifted || function () {};
      this.running = false;
      this.busy = false;
      this.timer = null;
      this.generation = 0; // answers to requests made before stop() are dropped
      this.reset();
    }

    start() {
      if (this.running) return;
      this.running = true;
      this.schedule(0);
    }

    stop() {
      this.running = false;
      this.generation += 1;
      clearTimeout(this.timer);
      this.timer = null;
    }

    reset() {
      this.lastCert = null;
      this.lastError = null;
    }

    schedule(delay) {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.tick.bind(this), delay);
    }

    tick() {
      this.timer = null;
      if (!this.running || this.busy) return; // a slow read is still out: it reschedules
      var self = this;
      var generation = this.generation;
      this.busy = true;
      Promise.resolve()
        .then(function () { return self.driver.read(); })
        .then(function (payload) {
          if (generation === self.generation) self.handle(payload);
        }, function (err) {
          if (generation === self.generation) self.fail((err && err.code) || "reader_unavailable");
        })
        .then(function () {
          self.busy = false;
          if (self.running && self.timer === null) self.schedule(self.intervalMs);
        });
    }

    handle(payload) {
      var flag = parseFlag(payload && payload.resultFlag);
      if (Number.isNaN(flag)) return this.fail("bad_field");
      if (flag === 0) {
        this.lastError = null;
        var cert = String(payload.certNumber || "");
        if (cert !== "" && cert === this.lastCert) return; // still the same card
        this.lastCert = cert;
        this.onCard(payload);
      } else if (NO_CARD_FLAGS.indexOf(flag) !== -1) {
        this.lastError = null;
        if (this.lastCert !== null) {
          this.lastCert = null;
          this.onLifted();
        }
      } else {
        this.fail("read_failed");
      }
    }

    fail(code) {
      if (code === this.lastError) return;
      this.lastError = code;
      this.onError(code);
    }
  }

  /* The tester's panel: lists the fixture cards and places or lifts one. The container carries
   * data-sim-base; buttons are built with textContent only. */
  class SimPanel {
    constructor(rootEl) {
      this.root = rootEl;
      this.base = String(rootEl.dataset.simBase || "").replace(/\/+$/, "");
      this.list = rootEl.querySelector(".k-sim-cards") || rootEl;
      this.text = { lift: "Lift the card", placed: "On the reader:", nothing: "nothing" };
      this.labels = {};
      this.status = document.createElement("p");
      this.status.className = "k-sim-status";
      rootEl.addEventListener("click", this.onClick.bind(this));
      this.load();
    }

    load() {
      var self = this;
      return fetch(this.base + "/cards", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(readerError("reader_unavailable")); })
        .then(function (data) { self.render(data); })
        .catch(function () { self.list.textContent = "simulator unavailable"; });
    }

    render(data) {
      var self = this;
      Object.assign(this.text, data.text || {});
      this.list.textContent = "";
      (data.cards || []).forEach(function (card) {
        self.labels[card.key] = card.label;
        var button = document.createElement("button");
        button.type = "button";
        button.dataset.card = card.key;
        button.textContent = card.label + (card.note ? " ⚠" : "");
        button.title = card.description + (card.note ? " — " + card.note : "");
        self.list.appendChild(button);
      });
      var lift = document.createElement("button");
      lift.type = "button";
      lift.dataset.card = "";
      lift.textContent = this.text.lift;
      this.list.appendChild(lift);
      this.list.appendChild(this.status);
      this.update();
    }

    onClick(event) {
      var button = event.target.closest("button[data-card]");
      if (!button || !this.root.contains(button)) return;
      if (button.dataset.card) SimulatedDriver.place(button.dataset.card);
      else SimulatedDriver.lift();
      this.update();
    }

    update() {
      var placed = SimulatedDriver.placed();
      this.list.querySelectorAll("button[data-card]").forEach(function (button) {
        if (button.dataset.card) button.setAttribute("aria-pressed", String(button.dataset.card === placed));
      });
      this.status.textContent = this.text.placed + " " + (placed ? this.labels[placed] || placed : this.text.nothing);
    }
  }

  window.GigCardReader = {
    BridgeDriver: BridgeDriver,
    SimulatedDriver: SimulatedDriver,
    CardPoller: CardPoller,
    SimPanel: SimPanel,
    SIM_STORAGE_KEY: SIM_STORAGE_KEY,
    NO_CARD_FLAGS: NO_CARD_FLAGS,
  };
})();
