#!/usr/bin/env bash
# Installs everything the console needs on a Debian machine (no services are started).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
install_runtime
log "installed; run the console with: make run"
