# Shared shell helpers for scripts/*.sh: installing what is missing on a Debian machine.
# shellcheck shell=bash

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

APT_UPDATED=0
apt_install() {
    # Install only the Debian packages that are missing (dpkg -s is fast; apt-get update is not).
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    if [ "$APT_UPDATED" -eq 0 ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

UV_VERSION="0.13.9"
ensure_uv() {
    if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
        log "installing uv $UV_VERSION"
        python3 -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
    fi
}

ensure_python_env() {
    ensure_uv
    log "syncing the Python environment from uv.lock"
    uv sync --frozen --quiet
}

ensure_node_packages() {
    # Pinned npm packages (the Bitwarden CLI, front-end assets, test MCP servers and clients) from package-lock.json.
    if [ -f package-lock.json ]; then
        if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
            log "installing npm packages from package-lock.json"
            npm ci --no-audit --no-fund --loglevel=error >/dev/null
        fi
    fi
}

install_runtime() {
    # What running the console needs: Redis, the locked Python environment, pinned npm packages.
    apt_install redis-server redis-tools ca-certificates
    ensure_python_env
    ensure_node_packages
}

redis_ping() { redis-cli -u "$1" ping 2>/dev/null | grep -q PONG; }
