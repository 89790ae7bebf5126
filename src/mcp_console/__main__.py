"""Allows `python -m mcp_console`, which the `run` supervisor uses to start its children."""

from mcp_console.cli import main

raise SystemExit(main())
