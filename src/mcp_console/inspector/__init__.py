"""MCP inspector: server info, tools, resources and prompts of a running server."""
