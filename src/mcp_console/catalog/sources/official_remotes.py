"""Official Registry `remotes[]` as `RemoteSpec`s for the remote-server feature.

A remote's URL keeps its `{variable}` placeholders; each becomes a variable to answer (from the
remote's `variables` map, or a required text value when the URL names one the map lacks).
Headers keep the argument shape; secret ones are answered with references only.
"""

from __future__ import annotations

from typing import Any

from mcp_console.catalog.normalize import (
    MalformedEntryError,
    as_dict,
    as_list,
    first_text,
    remote_transport,
    text,
)
from mcp_console.catalog.schemas import RemoteSpec
from mcp_console.catalog.sources.official_inputs import VARIABLE, describe, parameter_name


def remote_spec(raw: Any) -> RemoteSpec:
    remote = as_dict(raw)
    url = text(remote.get("url"))
    if url is None:
        raise MalformedEntryError("remote without url")
    declared = as_dict(remote.get("variables"))
    names = list(dict.fromkeys([*declared, *VARIABLE.findall(url)]))
    variables = []
    for name in names:
        variable = as_dict(declared.get(name)) or {"isRequired": True}
        shown = describe("named", variable, name=name)
        shown.parameter = parameter_name(name)
        variables.append(shown)
    return RemoteSpec(
        transport=remote_transport(first_text(remote, "type", "transport_type")),
        url=url,
        variables=variables,
        headers=[
            describe("named", as_dict(h))
            for h in as_list(remote.get("headers"))
            if text(as_dict(h).get("name"))
        ],
    )


def remote_specs(raw: Any) -> list[RemoteSpec]:
    """Every usable remote; one without a URL or with an unknown transport is left out (the
    server's packages and other remotes still count)."""
    specs = []
    for remote in as_list(raw):
        try:
            specs.append(remote_spec(remote))
        except MalformedEntryError:
            continue
    return specs
