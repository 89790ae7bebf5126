"""Imports every table module so the metadata (for Alembic and `db copy`) is complete."""

from mcp_console.core.db import Base
from mcp_console.credentials import models as credential_models

metadata = Base.metadata
TABLE_MODULES = (credential_models,)
