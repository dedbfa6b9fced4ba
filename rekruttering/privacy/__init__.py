"""Privacy: consent, retention, access and erasure, the audit log."""
