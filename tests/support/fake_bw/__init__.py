"""A fake Bitwarden CLI (`bw`) and its vault fixture, for tests."""
