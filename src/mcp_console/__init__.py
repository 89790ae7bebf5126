"""MCP Gateway Console: run MCP servers as containers with secrets taken from Bitwarden."""

__version__ = "0.1.0"
