"""Static assets under content-hashed URLs, so browsers may cache them forever.

`app.css` ships in the package; htmx comes from the pinned `htmx.org` npm package in
`node_modules` (installed by the project's setup, `npm ci`), served through the same route.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException
from fastapi.responses import FileResponse

PACKAGE_STATIC = Path(__file__).resolve().parent / "static"
REPO_ROOT = Path(__file__).resolve().parents[3]
NPM_ASSETS = {"htmx.js": Path("htmx.org/dist/htmx.min.js")}
IMMUTABLE = "public, max-age=31536000, immutable"


class AssetMissingError(RuntimeError):
    """An asset file is absent: the npm packages were not installed."""


def node_modules_dirs() -> list[Path]:
    return [Path.cwd() / "node_modules", REPO_ROOT / "node_modules"]


def _find_npm_file(relative: Path) -> Path:
    for base in node_modules_dirs():
        candidate = base / relative
        if candidate.is_file():
            return candidate
    raise AssetMissingError(f"{relative} not found in node_modules; run `npm ci` (scripts/setup)")


@dataclass(frozen=True)
class Asset:
    path: Path
    url_name: str


class AssetRegistry:
    """Maps a logical name (`app.css`) to its file and its hashed URL name (`app.3f2a9c1d.css`)."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._by_name: dict[str, Asset] = {}
        self._by_url: dict[str, Asset] = {}
        for name, path in files.items():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            stem, _, suffix = name.rpartition(".")
            asset = Asset(path, f"{stem}.{digest}.{suffix}")
            self._by_name[name] = asset
            self._by_url[asset.url_name] = asset

    @classmethod
    def default(cls) -> AssetRegistry:
        files = {path.name: path for path in PACKAGE_STATIC.iterdir() if path.is_file()}
        files.update({name: _find_npm_file(rel) for name, rel in NPM_ASSETS.items()})
        return cls(files)

    def url(self, name: str) -> str:
        return f"/assets/{self._by_name[name].url_name}"

    def response(self, url_name: str) -> FileResponse:
        asset = self._by_url.get(url_name)
        if asset is None:
            raise HTTPException(status_code=404)
        return FileResponse(asset.path, headers={"Cache-Control": IMMUTABLE})
