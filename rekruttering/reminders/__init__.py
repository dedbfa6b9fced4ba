"""Personal SMS reminders: schedule, preview, dispatch and follow up."""
