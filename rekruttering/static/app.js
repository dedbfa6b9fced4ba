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
});
