# syntax=docker/dockerfile:1
# One image for api, worker and web (different commands). Multi-stage: build the locked Python
# environment and the pinned npm packages, then copy them into a slim runtime as a non-root user.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${PYTHON_IMAGE} AS python-build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN python -m pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable

FROM ${NODE_IMAGE} AS node-build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${PYTHON_IMAGE} AS runtime
COPY --from=node-build /usr/local/bin/node /usr/local/bin/node
COPY --from=node-build /app/node_modules /app/node_modules
COPY --from=python-build /app/.venv /app/.venv
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin console \
    && mkdir -p /app/data && chown console:console /app/data
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    DATA_DIR=/app/data \
    DATABASE_URL=sqlite+aiosqlite:////app/data/mcp-console.db \
    BITWARDEN_CLI_PATH=/app/node_modules/.bin/bw
WORKDIR /app
USER 10001:10001
EXPOSE 8000 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["mcp-console", "api", "--host", "0.0.0.0", "--port", "8000"]
