"""Maintenance scripts for the curated datasets (run by a curator, not at import time)."""
