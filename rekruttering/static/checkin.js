// Check-in page: filter the list while typing (the search form works without this).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.js-checkin-filter").forEach((input) => {
    const list = document.getElementById(input.dataset.target);
    if (!list) return;
    const rows = Array.from(list.querySelectorAll("li[data-search]"));
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach((row) => {
        const text = row.dataset.search;
        const digits = input.value.replace(/\D/g, "");
        const byPhone = digits.length >= 3 && text.replace(/\D/g, "").includes(digits);
        row.hidden = !(byPhone || words.every((w) => text.includes(w)));
      });
    });
  });
});
