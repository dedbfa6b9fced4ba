// Refer form: show only the activities of the chosen centre (works without this file:
// every activity is then listed, grouped by centre, and the server checks the choice).
document.addEventListener("DOMContentLoaded", () => {
  const activity = document.querySelector("select.js-activity-by-centre");
  // The refer form's own centre field, not the centre switch in the header.
  const centre = activity && activity.form && activity.form.querySelector("select[name=centre_id]");
  if (!centre || !activity) return;
  const filter = () => {
    activity.querySelectorAll("optgroup[data-centre]").forEach((group) => {
      const other = group.getAttribute("data-centre") !== centre.value;
      group.hidden = other;
      group.disabled = other;
    });
    const chosen = activity.selectedOptions[0];
    if (chosen && chosen.getAttribute("data-centre") && chosen.getAttribute("data-centre") !== centre.value) {
      activity.value = "";
    }
  };
  centre.addEventListener("change", filter);
  filter();
});
