.PHONY: run test lint bench install

run:  ## Run the whole console locally (API :8000, web :3000, worker, Redis, SQLite)
	bash scripts/run.sh

test:  ## Run the whole test suite, installing and starting what it needs
	bash scripts/test.sh

lint:  ## Style, types and the import boundaries (pyproject's [tool.importlinter] contracts)
	uv run ruff check src tests bench && uv run ruff format --check src tests bench && uv run mypy && uv run lint-imports --no-logo

bench:  ## Run the benchmarks and write docs/PERFORMANCE.md
	bash scripts/bench.sh

install:  ## Install system packages, the Python environment and pinned npm packages
	bash scripts/install.sh
