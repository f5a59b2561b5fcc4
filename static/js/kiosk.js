/* Kiosk shell: screens, card reader polling, voice prompts, keypad, idle reset, printing.
   No inline script anywhere (CSP); htmx swaps screens into #screen. */
(function () {
  "use strict";

  var root = document.querySelector(".kiosk[data-config-url]");
  if (!root) return;
  var screenEl = document.getElementById("screen");
  var busy = document.getElementById("busy");
  var config = { idleSeconds: 60, reader: "bridge" };
  var poller = null;
  var idleTimer = null;

  /* ---- voice (speechSynthesis, Mandarin, switchable) ---- */
  var voiceOn = localStorage.getItem("gm.voice") !== "off";
  var voiceBtn = document.getElementById("voice-toggle");
  var labels = document.getElementById("voice-labels");

  function renderVoice() {
    voiceBtn.setAttribute("aria-pressed", voiceOn ? "true" : "false");
    voiceBtn.querySelector(".k-voice-label").textContent = labels.dataset[voiceOn ? "on" : "off"];
  }

  /* force: a "read aloud" button the person pressed speaks even with the voice prompts off. */
  function say(text, force) {
    if ((!voiceOn && !force) || !text || !window.speechSynthesis) return;
    window.speechSynthesis.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang === "en" ? "en-US" : "zh-CN";
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  }
  window.GigKiosk = { say: say };

  voiceBtn.addEventListener("click", function () {
    voiceOn = !voiceOn;
    localStorage.setItem("gm.voice", voiceOn ? "on" : "off");
    if (!voiceOn && window.speechSynthesis) window.speechSynthesis.cancel();
    renderVoice();
  });

  /* ---- screens ---- */
  function currentScreen() {
    return screenEl.querySelector("[data-screen]");
  }

  function visitToken() {
    var s = screenEl.querySelector("[data-visit-token]");
    return s ? s.dataset.visitToken : null;
  }

  function onScreen() {
    var s = currentScreen();
    if (!s) return;
    var step = s.dataset.step;
    document.querySelectorAll(".k-steps li").forEach(function (li) {
      li.classList.toggle("is-current", li.dataset.step === step);
      li.classList.toggle("is-done", step && li.dataset.step < step);
    });
    say(s.dataset.say);
    if (window.GigCamera) window.GigCamera.stop();
    if (s.querySelector("[data-camera]") && window.GigCamera) window.GigCamera.attach(s, swapScreen);
    if (poller) {
      if (s.dataset.screen === "welcome") poller.start(); else poller.stop();
    }
    var scanner = s.querySelector("[data-scanner]");
    if (scanner) scanner.focus({ preventScroll: true });
    var wizard = s.querySelector("[data-wizard]");
    if (wizard) initWizard(wizard);
    resetIdle();
  }

  /* A long form shown one page at a time (without script, every page shows at once). */
  function initWizard(form) {
    var pages = Array.prototype.slice.call(form.querySelectorAll(".k-page"));
    var back = form.querySelector("[data-back]");
    var next = form.querySelector("[data-next]");
    var finish = form.querySelector("[data-finish]");
    var index = Math.max(0, pages.findIndex(function (p) { return p.querySelector(".k-error"); }));
    function show(i) {
      index = i;
      pages.forEach(function (p, n) { p.hidden = n !== i; });
      back.hidden = i === 0;
      next.hidden = i === pages.length - 1;
      finish.hidden = i !== pages.length - 1;
      screenEl.scrollTop = 0;
      if (i > 0) say(pages[i].dataset.say);
    }
    back.addEventListener("click", function () { show(Math.max(0, index - 1)); });
    next.addEventListener("click", function () { show(Math.min(pages.length - 1, index + 1)); });
    show(index);
  }

  function swapScreen(html) {
    htmx.swap(screenEl, html, { swapStyle: "innerHTML" });
  }
  window.GigKiosk.swapScreen = swapScreen;

  /* Requests aimed at #screen carry it as detail.target; htmx.swap() (used by camera.js after
     its fetch) fires the event on #screen itself without one. */
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target === screenEl || (event.detail && event.detail.target === screenEl)) onScreen();
  });
  document.body.addEventListener("htmx:beforeRequest", function () { busy.hidden = false; });
  document.body.addEventListener("htmx:afterRequest", function () { busy.hidden = true; });

  /* ---- controls inside screens ---- */
  screenEl.addEventListener("change", function (event) {
    var box = event.target.closest("[data-enables]");
    if (box) document.getElementById(box.dataset.enables).disabled = !box.checked;
  });

  screenEl.addEventListener("click", function (event) {
    var key = event.target.closest("[data-key]");
    if (key) {
      var pad = key.closest("[data-keypad]");
      var input = document.getElementById(pad.dataset.target);
      var max = parseInt(pad.dataset.max || "4", 10);
      if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
      else if (key.dataset.key === "clear") input.value = "";
      else if (input.value.length < max) input.value += key.dataset.key;
      say(input.value.split("").join(" "));
      return;
    }
    var show = event.target.closest("[data-show]");
    if (show) {
      document.getElementById(show.dataset.show).hidden = false;
      var scanner = screenEl.querySelector("[data-scanner]");
      if (scanner) scanner.focus();
      return;
    }
    var read = event.target.closest("[data-read]");
    if (read) {
      say(read.dataset.read, true);
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
  });

  /* A keyboard-wedge QR scanner types the code and Enter into the focused input. */
  screenEl.addEventListener("keydown", function (event) {
    var scanner = event.target.closest("[data-scanner]");
    if (scanner && event.key === "Enter") {
      event.preventDefault();
      if (scanner.value.trim()) htmx.trigger(scanner.form, "submit");
    }
  });

  /* ---- idle reset: back to welcome, every personal detail cleared ---- */
  function goWelcome() {
    if (window.GigCamera) window.GigCamera.stop();
    var token = visitToken();
    screenEl.innerHTML = "";
    if (token) {
      htmx.ajax("POST", config.endUrl.replace("TOKEN", token), { target: screenEl, swap: "innerHTML" });
    } else {
      htmx.ajax("GET", root.dataset.welcomeUrl, { target: screenEl, swap: "innerHTML" });
    }
  }

  function resetIdle() {
    clearTimeout(idleTimer);
    var s = currentScreen();
    if (s && s.dataset.screen === "welcome") return;
    idleTimer = setTimeout(goWelcome, config.idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, resetIdle, { passive: true });
  });
  window.GigKiosk.resetIdle = resetIdle;

  /* ---- card reader ---- */
  function onCard(payload) {
    htmx.ajax("POST", config.cardUrl, {
      target: screenEl,
      swap: "innerHTML",
      values: { payload: JSON.stringify(payload) },
    });
  }

  fetch(root.dataset.configUrl, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (c) {
      config = c;
      var R = window.GigCardReader;
      if (R) {
        var driver = c.reader === "simulated" ? new R.SimulatedDriver(c.simBase) : new R.BridgeDriver(c.bridgeUrl);
        poller = new R.CardPoller(driver, { onCard: onCard });
        var panel = document.getElementById("sim-panel");
        if (panel && R.SimPanel) new R.SimPanel(panel);
      }
      renderVoice();
      onScreen();
    });
})();
