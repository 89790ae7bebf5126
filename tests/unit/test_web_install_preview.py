"""The install page's views of a container: the dry run's config (a secret only as its reference)
and what a catalog entry sets on its own."""

from __future__ import annotations

from typing import Any

from mcp_console.catalog.schemas import CatalogItem
from mcp_console.containers.schemas import InstallPreview
from mcp_console.web.install_preview import HIDDEN, EnvRow, VolumeRow, catalog_settings, preview_of

REFERENCE = "{{ bw:item-1:password }}"
TOKEN = "ghp_" + "Qw8eRt6yUi4oPa2sDf0gHj9kLz7xCv5bNm3L"


def _item(**fields: Any) -> CatalogItem:
    """A catalog entry as the API answers it, with only the given fields set."""
    return CatalogItem.model_validate(
        {"id": "docker:srv", "name": "srv", "title": "Srv", "source": "docker", **fields}
    )


def test_the_preview_lists_the_config_and_never_a_secret_value() -> None:
    preview = preview_of(
        InstallPreview.model_validate(
            {
                "item_id": "docker:filesystem",
                "server_name": "filesystem",
                "catalog_source": "docker",
                "name": None,
                "config": {
                    "image": "mcp/filesystem",
                    "command": ["/a", "--port", "80"],
                    "env": {
                        "API_KEY": REFERENCE,
                        "OTHER_KEY": "typed-value",
                        "MODE": "fast",
                        "LEAK": TOKEN,
                    },
                    "secret_env": ["API_KEY", "OTHER_KEY"],
                    "volumes": [
                        {"host_path": "/a", "container_path": "/a", "read_only": False},
                        {"type": "volume", "host_path": "keyring", "container_path": "/k"},
                    ],
                    "network_mode": "none",
                    "user": "1000:1000",
                    "ports": [{"container_port": 80, "host_port": 8080, "host_ip": "127.0.0.1"}],
                },
                "notes": [{"field": "env.X", "origin": "left-out", "message": "not set"}],
            }
        )
    )
    assert preview.command == ["/a", "--port", "80"]
    assert preview.env == [
        EnvRow("API_KEY", REFERENCE, secret=True),
        EnvRow("LEAK", HIDDEN),
        EnvRow("MODE", "fast"),
        EnvRow("OTHER_KEY", HIDDEN, secret=True),
    ]
    assert preview.volumes == [VolumeRow("/a", "/a", False), VolumeRow("keyring", "/k", True, True)]
    assert (preview.network, preview.user) == ("none", "1000:1000")
    assert preview.other == {"Ports": "127.0.0.1:8080 -> 80/tcp"}
    assert [n.origin for n in preview.notes] == ["left-out"]


def test_the_catalog_settings_show_every_variable_argument_and_mount_as_written() -> None:
    settings = catalog_settings(
        _item(
            env=[{"name": "LD_PRELOAD", "value": "/x.so"}, {"name": "EMPTY"}],
            secrets=[{"name": "s", "env": "TOKEN"}],
            run={
                "command": ["{{srv.paths|into}}", ["--name", "{{srv.name}}"]],
                "volumes": ["{{srv.paths|volume|into}}"],
                "user": "nobody",
                "disable_network": True,
            },
        )
    )
    assert settings.env == [
        EnvRow("LD_PRELOAD", "/x.so"),
        EnvRow("EMPTY", ""),
        EnvRow("TOKEN", "secret: from your vault reference", secret=True),
    ], "the variables secrets set are listed too, never a value"
    assert settings.command == ["{{srv.paths|into}}", "--name", "{{srv.name}}"]
    assert settings.volumes == ["{{srv.paths|volume|into}}"]
    assert settings.user == "nobody" and settings.no_network and not settings.empty
    assert catalog_settings(_item()).empty
