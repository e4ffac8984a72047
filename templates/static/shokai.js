// Progressive enhancement only: every page works without this file.
// Counts the characters of inputs that carry data-max-chars (the address
// lines that must fit the envelope window), so a clerk sees the limit
// before the server refuses the form.
"use strict";
document.querySelectorAll("input[data-max-chars]").forEach(function (input) {
  var max = parseInt(input.getAttribute("data-max-chars"), 10);
  var counter = document.getElementById(input.id + "-count");
  if (!counter) {
    return;
  }
  var shown = counter.querySelector(".count");
  function update() {
    var length = Array.from(input.value.trim()).length;
    shown.textContent = String(length);
    counter.classList.toggle("over", length > max);
  }
  input.addEventListener("input", update);
  update();
});
