"""One Bitwarden CLI data directory per login, so users never share vault state.

Directories live under `DATA_DIR/bitwarden/<session hash>` (the keyed hash of
`core/session_ids.py`, never the bearer token): the cleanup cron (`jobs/cleanup.py`) removes any
whose `session:auth:<name>` record is gone, which is how expired sessions and failed logout
clean-ups are retried.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from mcp_console.core.session_ids import SessionHash

logger = logging.getLogger("mcp_console.vault.datadirs")


class LoginDirectories:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "bitwarden"

    def path(self, session_hash: SessionHash) -> Path:
        return self.root / session_hash

    def create(self, session_hash: SessionHash) -> Path:
        """A fresh directory only its owner (the console's user) may read (0700)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path(session_hash)
        path.mkdir(mode=0o700)
        return path

    def remove(self, session_hash: SessionHash) -> bool:
        """Delete the directory; a failure is logged and left for the cleanup cron."""
        try:
            shutil.rmtree(self.path(session_hash))
        except FileNotFoundError:
            return True
        except OSError as exc:
            logger.warning("could not remove a CLI data directory: %s", type(exc).__name__)
            return False
        return True
