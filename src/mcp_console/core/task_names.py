"""The public name (`domain.event`) of every job the worker runs: the one definition the API
(enqueueing), the worker (its task registry) and the web UI (job labels) share. A job record
stores this name, so renaming one strands queued jobs (docs/JOBS.md)."""

from __future__ import annotations

from enum import StrEnum


class TaskName(StrEnum):
    DIAGNOSTIC = "system.diagnostic"
    CLEANUP = "system.cleanup"
    CONTAINERS_INSTALL = "containers.install"
    CONTAINERS_RESTART = "containers.restart"
    SECRETS_RESOLVE = "secrets.resolve"
