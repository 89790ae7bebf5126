"""The UI reads the API through its typed client (`web/api_client.py`), into the API's own
schemas: the dashboard shows each container as `ContainerView` lists it.

This test and the page code it exercises (`container_views.container_row`) read the same schema
fields, so renaming one (e.g. `ContainerView.name`) fails `mypy` in both, not at run time.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mcp_console.containers.schemas import ContainerView
from mcp_console.web.api_client import ApiClient
from mcp_console.web.container_views import container_row
from tests.support.images import (  # noqa: F401
    BuiltImage,
    busybox_image_fixture,
    docker_client_fixture,
)
from tests.support.web_containers import (  # noqa: F401
    Browser,
    api_fixture,
    browsers_fixture,
    sleeper,
)

pytestmark = pytest.mark.docker


async def _listing(user: Browser) -> list[ContainerView]:
    async with httpx.AsyncClient(base_url=user.api.base_url, timeout=30) as http:
        return await ApiClient(http).list_containers(user.session_id, stats=False)


def _row_html(page: str, container_id: str) -> str:
    row = re.search(rf'data-container-id="{container_id}".*?</tr>', page, re.DOTALL)
    assert row, f"the dashboard has no row for {container_id}"
    return row.group(0)


def test_the_dashboard_shows_each_container_as_the_typed_client_reads_it(
    browsers: Any, busybox_image: BuiltImage
) -> None:
    user = browsers()
    created = user.create(sleeper(busybox_image), name="typed-notes", server_name="notes")

    [view] = asyncio.run(_listing(user))
    assert (view.container_id, view.name, view.server_name) == (created, "typed-notes", "notes")
    assert view.image == busybox_image.tag and view.status == "running"
    assert view.started_at is not None and view.started_at <= datetime.now(UTC)

    row = container_row(view)
    html = _row_html(user.web.get("/containers").text, view.container_id)
    assert row.name == view.name and f'data-testid="container-link">{view.name}</a>' in html
    assert f'data-testid="container-image">{view.image}</code>' in html
    assert f"<td>{view.server_name}</td>" in html
    assert f'<time datetime="{row.started_at}">' in html, "the API's own time text"
    assert str(row.started_at).startswith(view.started_at.strftime("%Y-%m-%dT%H:%M:%S"))
