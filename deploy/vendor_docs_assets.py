"""Refresh the vendored API-docs assets (Swagger UI, ReDoc, GraphiQL) from their npm packages.

The services serve their docs pages from services/kernel/docs_assets/vendor (kernel.docs_ui), so the pages work
on an intranet with no internet. This script is the one way those files change: it fetches each pinned package
with the ordinary npm client (``npm pack``), copies the few distribution files the pages load with the
package's licence notices, and writes ``manifest.json`` (version, npm integrity, sha256 of every file). A unit
test (tests/unit/test_docs_assets.py) holds the directory to that manifest.

To upgrade, change a version below and run ``python deploy/vendor_docs_assets.py`` (needs ``npm``), then run the
browser test tests/browser/test_offline_docs.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "services" / "kernel" / "docs_assets" / "vendor"

# package → (version, {file in the package: name served}). GraphiQL 4 is the last major with a UMD build (one
# script, no bundler or module CDN); it runs on React 18, the last React with UMD builds.
PACKAGES: dict[str, tuple[str, dict[str, str]]] = {
    "swagger-ui-dist": ("5.35.0", {
        "swagger-ui-bundle.js": "swagger-ui-bundle.js", "swagger-ui.css": "swagger-ui.css",
        "oauth2-redirect.js": "oauth2-redirect.js", "LICENSE": "LICENSE", "NOTICE": "NOTICE",
        "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt"}),
    "redoc": ("2.5.4", {
        "bundles/redoc.standalone.js": "redoc.standalone.js",
        "bundles/redoc.standalone.js.LICENSE.txt": "redoc.standalone.js.LICENSE.txt", "LICENSE": "LICENSE"}),
    "graphiql": ("4.1.2", {
        "graphiql.min.js": "graphiql.min.js", "graphiql.min.css": "graphiql.min.css", "LICENSE": "LICENSE"}),
    "react": ("18.3.1", {"umd/react.production.min.js": "react.production.min.js", "LICENSE": "LICENSE"}),
    "react-dom": ("18.3.1", {"umd/react-dom.production.min.js": "react-dom.production.min.js", "LICENSE": "LICENSE"}),
}


def _pack(spec: str, into: Path) -> tuple[Path, dict]:
    out = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(into)], check=True,
                         capture_output=True, text=True).stdout
    info = json.loads(out)[-1]
    return into / info["filename"], info


def vendor() -> dict:
    manifest: dict = {"note": "Written by deploy/vendor_docs_assets.py; checked by tests/unit/test_docs_assets.py.",
                      "packages": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, files) in PACKAGES.items():
            tarball, info = _pack(f"{name}@{version}", Path(tmp))
            target = VENDOR / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            hashes = {}
            with tarfile.open(tarball) as archive:
                for source, served in files.items():
                    data = archive.extractfile(f"package/{source}").read()  # byte for byte as published
                    (target / served).write_bytes(data)
                    hashes[served] = hashlib.sha256(data).hexdigest()
                licence = json.loads(archive.extractfile("package/package.json").read())["license"]
            manifest["packages"][name] = {"version": version, "license": licence,
                                          "npm_integrity": info["integrity"], "files": hashes}
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


if __name__ == "__main__":
    for package, entry in vendor()["packages"].items():
        print(f"{package}@{entry['version']}: {len(entry['files'])} files", file=sys.stderr)
