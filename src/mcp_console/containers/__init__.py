"""Managed MCP server containers: config in the database, lifecycle on the Docker engine."""
