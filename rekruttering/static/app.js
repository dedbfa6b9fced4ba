// Progressive enhancement only: every page works without this file.
// (Kept in a file because the Content-Security-Policy forbids inline scripts.)
document.addEventListener("DOMContentLoaded", () => {
  // Stacked tables on a phone (.table-stack in app.css): each cell gets its column's
  // heading as data-label, so a row reads "Status: Kontaktet" as a card.
  document.querySelectorAll("table.table-stack").forEach((table) => {
    const headings = [];
    const headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (headRow) {
      Array.from(headRow.cells).forEach((cell) => {
        const span = cell.colSpan || 1;
        const text = (cell.dataset.label !== undefined ? cell.dataset.label : cell.textContent).trim().replace(/\s+/g, " ");
        for (let i = 0; i < span; i += 1) headings.push(text);
      });
    }
    Array.from(table.tBodies).concat(table.tFoot ? [table.tFoot] : []).forEach((body) => {
      Array.from(body.rows).forEach((row) => {
        let column = 0;
        Array.from(row.cells).forEach((cell) => {
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", headings[column] || "");
          column += cell.colSpan || 1;
        });
      });
    });
  });
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
  // Back and save again: a form with a one-time token (form_token) remembers, per tab,
  // the token it was sent with. When the browser's Back reloads the page (personal
  // pages are not cached), the reloaded form gets the first token back, so saving
  // again shows what the first post saved instead of saving a duplicate.
  const cameBack = (performance.getEntriesByType("navigation")[0] || {}).type === "back_forward";
  document.querySelectorAll("form input[name=form_token]").forEach((input) => {
    const key = "form-token:" + location.pathname + location.search;
    try {
      const earlier = window.sessionStorage.getItem(key);
      if (cameBack && earlier) input.value = earlier;
      input.form.addEventListener("submit", () => window.sessionStorage.setItem(key, input.value));
    } catch (error) {
      // No sessionStorage (private mode): the server's own token still stops double clicks.
    }
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

// A page restored from the back/forward cache keeps its disabled buttons: enable them.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  document.querySelectorAll("button[type=submit], input[type=submit]").forEach((b) => {
    b.disabled = false;
  });
});
