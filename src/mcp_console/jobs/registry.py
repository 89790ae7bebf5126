"""Every task the worker runs, by its public name (`domain.event`)."""

from __future__ import annotations

from mcp_console.containers.tasks import INSTALL_TASK, RESTART_TASK, install, restart
from mcp_console.jobs.runner import TaskSpec
from mcp_console.jobs.tasks import diagnostic
from mcp_console.secrets.tasks import RESOLVE_TASK, resolve_secrets

TASKS: list[TaskSpec] = [
    TaskSpec("system.diagnostic", diagnostic),
    TaskSpec(INSTALL_TASK, install),
    TaskSpec(RESTART_TASK, restart),
    TaskSpec(RESOLVE_TASK, resolve_secrets),
]
