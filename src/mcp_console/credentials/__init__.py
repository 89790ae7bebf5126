"""Encrypted credentials kept in the database (GitHub token, OAuth tokens)."""
