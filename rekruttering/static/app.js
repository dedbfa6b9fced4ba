// Progressive enhancement only: every page works without this file.
// (Kept in a file because the Content-Security-Policy forbids inline scripts.)
document.addEventListener("DOMContentLoaded", () => {
  // Submit selects marked as auto-submitting (the centre switch) on change.
  document.querySelectorAll("form.js-autosubmit select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
  // Disable submit buttons after the first click: a double click sends one form.
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", () => {
      window.setTimeout(() => {
        form.querySelectorAll("button[type=submit], input[type=submit]").forEach((b) => {
          b.disabled = true;
        });
      }, 0);
    });
  });
  // Ask before destructive actions marked with data-confirm.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  // Copy a link to the clipboard (invitation and password links).
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const input = document.querySelector(button.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      const done = () => { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(done, () => document.execCommand("copy") && done());
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
});
