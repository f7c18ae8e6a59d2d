// Page behaviour shared by every page: dialogs (native <dialog>) opened by buttons that name them.
// Without JavaScript the dialogs show inline (record.html's <noscript> style) and every form still posts.
(function () {
  "use strict";
  function open(dialog) {
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-dialog]");
    if (!button) return;
    event.preventDefault();
    open(document.getElementById(button.getAttribute("data-dialog")));
  });
  // A step refused for its form comes back with its dialog open, so its errors are in view.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog[data-open]").forEach(open);
  });
})();
// The language menu switches on choice (no inline handler: the content security policy forbids them).
(function () {
  "use strict";
  document.querySelectorAll("form.lang select[name=language]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
