"""The MCP gateway: profiles, client tokens and the `/mcp/{profile}` endpoint (docs/GATEWAY.md)."""
