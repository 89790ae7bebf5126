"""`mcp-console audit-secrets`: search everything the console stores for secret-shaped values."""
