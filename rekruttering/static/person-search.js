// Search as you type for a person picker: an <input data-person-search="URL"
// data-target="SELECT_ID"> fills the <select> with the JSON answer of URL?q=...
// Without this file the input is a plain GET search form and the page lists the results.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-person-search]").forEach((input) => {
    const select = document.getElementById(input.dataset.target);
    const status = document.getElementById(`${input.id}-status`);
    if (!select) return;
    let timer = null;
    let asked = 0;
    const fill = (people, more) => {
      const chosen = select.value;
      const keep = chosen ? select.querySelector(`option[value="${CSS.escape(chosen)}"]`) : null;
      select.replaceChildren();
      const prompt = new Option(people.length ? input.dataset.found : input.dataset.none, "");
      select.add(prompt);
      if (keep && !people.some((p) => String(p.id) === chosen)) select.add(keep);
      people.forEach((p) => select.add(new Option(p.name, String(p.id))));
      select.value = chosen && select.querySelector(`option[value="${CSS.escape(chosen)}"]`) ? chosen : "";
      if (!chosen && people.length === 1) select.value = String(people[0].id);
      if (status && more) status.textContent = input.dataset.more;
    };
    const search = () => {
      const text = input.value.trim();
      if (!text) return;
      const ticket = ++asked;
      fetch(`${input.dataset.personSearch}?q=${encodeURIComponent(text)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((r) => (r.ok ? r.json() : null))
        .then((body) => {
          if (body && ticket === asked) fill(body.people, body.more);
        })
        .catch(() => {}); // offline or logged out: the Search button still works
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    // Carry what was typed into the schedule form, so its results survive a preview.
    input.addEventListener("change", () => {
      const carried = select.form && select.form.querySelector("input[name=person_q]");
      if (carried) carried.value = input.value;
    });
  });
});
