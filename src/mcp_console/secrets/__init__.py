"""Bitwarden secret references: parsing, batch resolution and the encrypted session cache."""
