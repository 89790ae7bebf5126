"""compose.yaml, the devcontainer and the Dockerfile are checked statically: no Docker registry is
reachable here, so the images cannot be pulled or built (see docs/DEPLOYMENT.md)."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from mcp_console.core.settings import setting_names
from tests.support.processes import REPO_ROOT

DEPLOYMENT_DOC = (REPO_ROOT / "docs" / "DEPLOYMENT.md").read_text()


def _load(path: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO_ROOT / path).read_text())
    return document


def _variables(path: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (REPO_ROOT / path).read_text()))


def _check_references(compose: dict[str, Any]) -> None:
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown service {dependency}"
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if not source.startswith(("/", ".", "$")):
                assert source in declared_volumes, f"{name} uses undeclared volume {source}"


@pytest.mark.parametrize("path", ["compose.yaml", ".devcontainer/compose.yaml"])
def test_compose_files_reference_only_what_exists(path: str) -> None:
    compose = _load(path)
    _check_references(compose)
    documented = set(re.findall(r"^\| `([A-Z_][A-Z0-9_]*)` \|", DEPLOYMENT_DOC, re.MULTILINE))
    unknown = _variables(path) - set(setting_names()) - documented
    assert not unknown, f"{path} uses variables documented nowhere: {sorted(unknown)}"


def test_compose_stack_shape() -> None:
    services = _load("compose.yaml")["services"]
    assert set(services) == {"redis", "api", "worker", "web", "postgres"}
    assert services["redis"]["image"].startswith("redis:7")
    assert "--appendonly" in services["redis"]["command"]
    assert services["postgres"]["profiles"] == ["postgres"]
    assert any("8000" in port for port in services["api"]["ports"])
    assert any("3000" in port for port in services["web"]["ports"])
    for name in ("api", "worker", "web"):
        assert any("docker.sock" in volume for volume in services[name]["volumes"])
        assert any(volume.startswith("console-data:") for volume in services[name]["volumes"])
    assert services["worker"]["healthcheck"]["test"][-1] == "--check"
    assert services["worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_devcontainer_forwards_ports_and_uses_its_compose_file() -> None:
    config = json.loads((REPO_ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert {3000, 8000} <= set(config["forwardPorts"])
    compose = _load(f".devcontainer/{config['dockerComposeFile'][0]}")
    assert config["service"] in compose["services"]
    assert "redis" in compose["services"]
    extensions = config["customizations"]["vscode"]["extensions"]
    assert {"ms-python.python", "charliermarsh.ruff", "ms-azuretools.vscode-docker"} <= set(
        extensions
    )
    assert "install.sh" in config["postCreateCommand"]


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or path.split("/")[0] == p for p in patterns)


def test_dockerfile_build_context_and_lint() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    ignore = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip()
    ]
    sources = [
        part
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for part in line.split()[1:-1]
    ]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"COPY source missing from the context: {source}"
        assert not _ignored(source, ignore), f"COPY source excluded by .dockerignore: {source}"
    stages = re.findall(r"^FROM \S+ AS (\S+)", dockerfile, re.MULTILINE)
    assert stages == ["python-build", "node-build", "runtime"]
    assert re.search(r"^USER 10001", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile
    hadolint = shutil.which("hadolint") or str(REPO_ROOT / ".venv" / "bin" / "hadolint")
    result = subprocess.run(
        [hadolint, "Dockerfile"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
