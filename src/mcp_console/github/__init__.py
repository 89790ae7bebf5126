"""The user's GitHub token: checked against GitHub, stored encrypted, used by the catalog."""
