/* Camera capture for the face check: a few frontal frames, then frames while the person turns
   their head as asked (the liveness challenge), sent once as JPEGs. Nothing is stored here:
   frames live in memory until the request is sent. */
(function () {
  "use strict";

  var FRONT_FRAMES = 3;
  var TURN_FRAMES = 4;
  var STEP_MS = 350;
  var stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function grab(video, canvas) {
    canvas.width = video.videoWidth || 640;
    canvas.height = video.videoHeight || 480;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
  }

  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no audio: the prompt text still shows */ }
  }

  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function attach(section, swapScreen) {
    var video = section.querySelector("video");
    var form = section.querySelector("[data-camera]");
    var prompt = section.querySelector(".k-camera-prompt");
    var button = form.querySelector("[data-capture]");
    var canvas = document.createElement("canvas");

    navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, facingMode: "user" }, audio: false })
      .then(function (s) { stream = s; video.srcObject = s; prompt.textContent = prompt.dataset.promptFront; })
      .catch(function () { prompt.textContent = ""; section.classList.add("no-camera"); });

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (!stream) return;
      button.disabled = true;
      var frames = [];
      prompt.textContent = prompt.dataset.promptFront;
      await sleep(800);
      for (var i = 0; i < FRONT_FRAMES; i++) { frames.push(await grab(video, canvas)); await sleep(STEP_MS); }
      prompt.textContent = prompt.dataset.promptTurn;
      beep();
      if (window.GigKiosk) window.GigKiosk.say(form.dataset.sayTurn);
      await sleep(900);
      for (var j = 0; j < TURN_FRAMES; j++) { frames.push(await grab(video, canvas)); await sleep(STEP_MS); }
      prompt.textContent = prompt.dataset.promptDone;
      stop();
      var data = new FormData(form);
      frames.forEach(function (blob, n) { data.append("frame", blob, "frame" + n + ".jpg"); });
      frames = null;
      document.getElementById("busy").hidden = false;
      try {
        var response = await fetch(form.action, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
        });
        swapScreen(await response.text());
      } finally {
        document.getElementById("busy").hidden = true;
      }
    });
  }

  window.GigCamera = { attach: attach, stop: stop };
})();
