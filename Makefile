.PHONY: run test lint bench install

run:  ## Run the whole console locally (API :8000, web :3000, worker, Redis, SQLite)
	bash scripts/run.sh

test:  ## Run the whole test suite, installing and starting what it needs
	bash scripts/test.sh

lint:  ## Style, types and the import boundaries (pyproject's [tool.importlinter] contracts); runs every check, fails if any failed
	@status=0; \
	uv run ruff check src tests bench || status=1; \
	uv run ruff format --check src tests bench || status=1; \
	uv run mypy || status=1; \
	uv run lint-imports --no-logo || status=1; \
	exit $$status

bench:  ## Run the benchmarks and write docs/PERFORMANCE.md
	bash scripts/bench.sh

install:  ## Install system packages, the Python environment and pinned npm packages
	bash scripts/install.sh
