/* Phone pages: small enhancements only; every form works without this file.
   - [data-resend-after="N"]: keep the "send the code again" button disabled for N seconds,
     showing the countdown in the sibling [data-countdown] [data-seconds].
   - input[type=file][data-preview="ID"]: show the chosen photo in <img id="ID"> before sending. */
(function () {
  "use strict";

  function countdown(button) {
    var left = parseInt(button.getAttribute("data-resend-after"), 10) || 0;
    var form = button.closest("form");
    var note = form && form.querySelector("[data-countdown]");
    var seconds = note && note.querySelector("[data-seconds]");
    if (left <= 0) { return; }
    button.disabled = true;
    if (note) { note.hidden = false; }
    function tick() {
      if (seconds) { seconds.textContent = String(left); }
      if (left <= 0) {
        button.disabled = false;
        if (note) { note.hidden = true; }
        return;
      }
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function preview(input) {
    var img = document.getElementById(input.getAttribute("data-preview"));
    if (!img || !window.URL || !window.URL.createObjectURL) { return; }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (img.src && img.src.indexOf("blob:") === 0) { window.URL.revokeObjectURL(img.src); }
      if (file && /^image\//.test(file.type)) {
        img.src = window.URL.createObjectURL(file);
        img.hidden = false;
      } else {
        img.removeAttribute("src");
        img.hidden = true;
      }
    });
  }

  // Individual employers: the face photo field only matters when "take a photo" is chosen.
  function proofChoice(form) {
    var radios = form.querySelectorAll("input[name=proof]");
    var photo = form.querySelector("input[name=face_photo]");
    if (!radios.length || !photo) { return; }
    var field = photo.closest(".field");
    function sync() {
      var station = form.querySelector("input[name=proof][value=station]:checked");
      if (field) { field.hidden = !!station; }
    }
    Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", sync); });
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-resend-after]"), countdown);
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-preview]"), preview);
    Array.prototype.forEach.call(document.querySelectorAll("form"), proofChoice);
  });
})();
