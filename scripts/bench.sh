#!/usr/bin/env bash
# Runs the benchmarks (bench/bench_*.py) and writes docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
install_runtime
if ! redis_ping "redis://127.0.0.1:6379/0"; then
    log "starting a private redis-server on port 6379 for the benchmark run"
    redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
    trap 'kill $!' EXIT
    for _ in $(seq 1 50); do redis_ping "redis://127.0.0.1:6379/0" && break; sleep 0.1; done
fi
uv run python -m bench "$@"
