"""Centres: making one (the CLI today, the installation admin's page as well)."""
