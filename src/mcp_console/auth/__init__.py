"""Bitwarden login and Redis-backed sessions shared by every API process."""
