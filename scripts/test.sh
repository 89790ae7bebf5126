#!/usr/bin/env bash
# Runs the whole test suite on a Debian machine, installing and starting what the tests need.
# Services it starts (Redis, dockerd, PostgreSQL) are stopped again on exit; ones already
# running are used as they are, with a Redis database number and a PostgreSQL database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

RUN_DIR="$PWD/.test-run"
mkdir -p "$RUN_DIR"
STARTED_PIDS=()
PG_STOP=""

cleanup() {
    local status=$?
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ -n "$PG_STOP" ]; then eval "$PG_STOP" >/dev/null 2>&1 || true; fi
    exit "$status"
}
trap cleanup EXIT

apt_install redis-server redis-tools docker.io busybox-static postgresql postgresql-client ca-certificates chromium
ensure_python_env
ensure_node_packages

# --- Redis: the machine's own server if it answers (database 13 only), else a private one.
if redis_ping "redis://127.0.0.1:6379/0"; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379/13"
else
    log "starting a private redis-server on port 6399"
    redis-server --port 6399 --bind 127.0.0.1 --save "" --appendonly no --dir "$RUN_DIR" \
        >"$RUN_DIR/redis.log" 2>&1 &
    STARTED_PIDS+=("$!")
    export TEST_REDIS_URL="redis://127.0.0.1:6399/13"
    for _ in $(seq 1 50); do redis_ping "$TEST_REDIS_URL" && break; sleep 0.1; done
fi

# --- Docker engine: start dockerd when nothing answers on the socket.
if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    dockerd --pidfile "$RUN_DIR/dockerd.pid" >"$RUN_DIR/dockerd.log" 2>&1 &
    STARTED_PIDS+=("$!")
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -20 "$RUN_DIR/dockerd.log"; exit 1; }
fi

# --- PostgreSQL: the machine's server if it answers, else a private cluster; own database.
PG_DB="mcp_console_test"
if pg_isready -q -h 127.0.0.1 -p 5432; then
    PG_PORT=5432
else
    PG_PORT=55432
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    PG_DATA="$RUN_DIR/pgdata"
    log "starting a private PostgreSQL on port $PG_PORT"
    rm -rf "$PG_DATA" && mkdir -p "$PG_DATA" && chown postgres "$PG_DATA" "$RUN_DIR"
    su postgres -c "$PG_BIN/initdb -D $PG_DATA -A trust -U postgres" >/dev/null
    su postgres -c "$PG_BIN/pg_ctl -D $PG_DATA -o '-p $PG_PORT -k $RUN_DIR -c listen_addresses=127.0.0.1' -w start -l $RUN_DIR/pg.log" >/dev/null
    PG_STOP="su postgres -c '$PG_BIN/pg_ctl -D $PG_DATA -m fast -w stop'"
fi
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $PG_DB" >/dev/null
export TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:$PG_PORT/$PG_DB"

log "lint, types and import boundaries"
uv run ruff check src tests bench
uv run ruff format --check src tests bench
uv run mypy
uv run lint-imports --no-logo

log "tests (with coverage, child processes included; settings in pyproject.toml)"
uv run coverage erase
tests_status=0
uv run coverage run -m pytest "$@" || tests_status=$?
uv run coverage combine --quiet
uv run coverage html --quiet --fail-under=0
[ "$tests_status" -eq 0 ] || exit "$tests_status"
log "coverage (HTML report: htmlcov/index.html)"
if [ "$#" -eq 0 ]; then
    uv run coverage report    # the whole suite: fails below fail_under
else
    uv run coverage report --fail-under=0    # a subset: reported, not held to the floor
fi
