#!/usr/bin/env bash
# Installs everything the console needs on a Debian machine (no services are started).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
apt_install redis-server redis-tools ca-certificates
ensure_python_env
ensure_node_packages
log "installed; run the console with: make run"
