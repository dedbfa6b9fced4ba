"""Moving a person through the funnel of one activity (the shared building block)."""
