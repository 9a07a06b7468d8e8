"""The docs pages' vendored assets (kernel.docs_ui): what ships is what the manifest pins, and every page names
only files the service serves, under its own address or behind a proxy's path prefix (``public_url``).

The browser test (tests/browser/test_offline_docs.py) shows the pages render without internet; these checks are
the cheap ones that run everywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from services.auth.main import create_app as create_auth
from services.auth.settings import AuthSettings
from services.kernel.docs_ui import ASSETS, REDOC_STYLE_HASHES, graphiql_page
from services.registry.main import create_app as create_registry
from services.registry.settings import RegistrySettings
from services.scoring.main import create_app as create_scoring
from services.scoring.settings import ScoringSettings

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ASSETS / "vendor"
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())
LICENCE_FILES = {"LICENSE", "LICENSE.md", "LICENSE.txt"}
ASSET_REFERENCE = re.compile(r'(?:src|href)="([^"]+)"')
SERVICES = {"auth": (create_auth, AuthSettings), "registry": (create_registry, RegistrySettings),
            "scoring": (create_scoring, ScoringSettings)}


def test_every_vendored_file_is_the_one_the_manifest_pins():
    listed = {f"{package}/{name}": digest for package, entry in MANIFEST["packages"].items()
              for name, digest in entry["files"].items()}
    present = {path.relative_to(VENDOR).as_posix() for path in VENDOR.rglob("*") if path.is_file()}
    assert present - {"manifest.json"} == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} differs from the manifest"


def test_every_vendored_package_is_pinned_and_ships_its_licence_notice():
    for package, entry in MANIFEST["packages"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), package
        assert entry["npm_integrity"].startswith("sha512-"), package
        assert entry["license"] in {"MIT", "Apache-2.0"}, package
        assert LICENCE_FILES & set(entry["files"]), f"{package} ships no licence notice"


def test_the_redoc_style_hashes_belong_to_the_vendored_redoc():
    # REDOC_STYLE_HASHES are the stylesheets redoc@2.5.4's bundle inserts; another version must bring its own.
    assert MANIFEST["packages"]["redoc"]["version"] == "2.5.4"
    assert len(REDOC_STYLE_HASHES) == 2


def _assets(html: str) -> list[str]:
    return ASSET_REFERENCE.findall(html)


async def _get_page_and_assets(client: httpx.AsyncClient, page: str) -> httpx.Response:
    response = await client.get(page)
    assert response.status_code == 200, page
    referenced = _assets(response.text)
    assert referenced, f"{page} loads nothing"
    for reference in referenced:
        assert "//" not in reference, f"{page} names an absolute URL: {reference}"
        asset = await client.get(urljoin(str(response.url), reference))
        assert asset.status_code == 200, f"{page}: {reference} is not served"
    return response


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_serves_its_docs_pages_and_their_assets(service):
    create, settings = SERVICES[service]
    app = create(settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://svc") as client:
        for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            response = await _get_page_and_assets(client, page)
            policy = response.headers["content-security-policy"]
            assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
            assert "script-src 'self';" in policy
        assert (await client.get("/openapi.json")).status_code == 200
        # An OAuth2 server returns to the redirect page with its own query: no REST query guard refuses it.
        assert (await client.get("/docs/oauth2-redirect?code=c0de&state=s1")).status_code == 200


async def test_behind_a_path_prefix_the_pages_find_their_assets_and_the_document():
    """An ingress publishes the registry at https://data.example.gov/registry (``public_url``)."""
    registry = create_registry(RegistrySettings(public_url="https://data.example.gov/registry"))
    gateway = FastAPI(routes=[Mount("/registry", app=registry)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url="http://gw") as client:
        swagger = await _get_page_and_assets(client, "/registry/docs")
        await _get_page_and_assets(client, "/registry/redoc")
        await _get_page_and_assets(client, "/registry/docs/oauth2-redirect")
        spec = re.search(r'data-spec="([^"]+)"', swagger.text).group(1)
        document = await client.get(urljoin(str(swagger.url), spec))
        assert document.status_code == 200
        servers = [server["url"] for server in document.json()["servers"]]
        # FastAPI names the prefix it was called under first (a path on the page's own origin), then public_url.
        assert servers == ["/registry", "https://data.example.gov/registry"]
        assert (await client.get(f"{servers[0]}/healthz")).json() == {"status": "ok"}
    # "Try it out" may call either server: the page's policy lets it reach public_url's origin too.
    assert "connect-src 'self' https://data.example.gov;" in swagger.headers["content-security-policy"]


def test_graphiql_names_only_vendored_files():
    page = graphiql_page("PDR registry")
    references = _assets(bytes(page.body).decode())
    assert references
    for reference in references:
        assert reference.startswith("docs-assets/") and (ASSETS / reference.removeprefix("docs-assets/")).is_file()
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]


def test_a_non_editable_install_ships_every_asset():
    """``pip install .`` copies a data file only when [tool.setuptools.package-data] names its kind."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    for path in ASSETS.rglob("*"):
        if path.is_file():
            assert any(fnmatch(path.name, pattern) for pattern in patterns), f"{path.name} would not be installed"
