"""Audit log: who did what to which target, with the outcome; never any secret value."""
