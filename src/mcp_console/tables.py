"""The table registry: imports every table module so the metadata (for Alembic and `db copy`)
is complete. It lives above the domains, beside the composition root (`app.py`, `worker.py`)."""

from mcp_console.audit import models as audit_models
from mcp_console.catalog import models as catalog_models
from mcp_console.containers import models as container_models
from mcp_console.core.db import Base
from mcp_console.credentials import models as credential_models
from mcp_console.gateway import models as gateway_models

metadata = Base.metadata
TABLE_MODULES = (
    credential_models,
    container_models,
    audit_models,
    catalog_models,
    gateway_models,
)
