"""``pdr ledger …``: verify the registry's ledger (live or exported), export it, fetch evidence bundles.

``verify`` takes a registry URL, an exported ledger file or an evidence bundle. It recomputes every leaf and
the root, checks the signed tree head against the registry's JWKS, and checks that the ledger still extends a
tree head saved earlier (``--saved-head``; ``--save-head`` keeps the current one for next time). When the
entries do not hash to the signed root of a live registry, it finds the first entry that differs by binary
search over the registry's consistency proofs. Exit status: 0 verified, 1 not verified, 2 unusable input.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from .common import Api, run

if TYPE_CHECKING:
    import httpx

    from services.registry.ledger.verify import LeafTree, Report

__all__ = ["app", "download", "verify_live", "write_export"]

app = typer.Typer(help="Tamper-evident ledger of the registry: verify, export, evidence bundles.",
                  no_args_is_help=True)
console = Console(stderr=True)
PAGE = 1000

Token = Annotated[str | None, typer.Option("--token", envvar="PDR_TOKEN",
                                           help="Bearer token of an auditor or admin (or PDR_TOKEN).")]
JwksOpt = Annotated[Path | None,
                    typer.Option("--jwks", help="Pinned JWKS file; default: the registry's or the file's.")]


def _b(text: str) -> bytes:
    return base64.b64decode(text)


# Tests route the CLI's HTTP to in-process apps by setting this.
transport: httpx.AsyncBaseTransport | None = None
# The ledger's reads are an auditor's (or an admin's): say so when a token is missing or lacks the role.
HINTS = {403: "use an auditor's or an admin's token (--token or PDR_TOKEN)"}


def _client(url: str, token: str | None) -> Api:
    return Api(url, token, hints=HINTS, transport=transport)


async def download(url: str, token: str | None) -> tuple[dict, dict, list[dict]]:
    """Signed tree head, JWKS, and every entry up to the head's size."""
    async with _client(url, token) as client:
        sth = await client.get("/ledger/sth")
        jwks = await client.get("/.well-known/jwks.json")
        entries: list[dict] = []
        while len(entries) < sth["tree_size"]:
            page = await client.get("/ledger/entries", start=len(entries),
                                    end=min(len(entries) + PAGE, sth["tree_size"]) - 1)
            if not page["entries"]:
                break
            entries += page["entries"]
    return sth, jwks, entries


async def _locate(url: str, token: str | None, tree: LeafTree, sth: dict) -> int | None:
    """Smallest m whose local prefix root the registry's consistency proof to the signed root rejects."""
    from services.registry.ledger import merkle

    size, root = sth["tree_size"], _b(sth["root_hash"])
    low, high = 1, size
    async with _client(url, token) as client:
        while low < high:
            mid = (low + high) // 2
            proof = [_b(h) for h in (await client.get("/ledger/proof/consistency", first=mid,
                                                      second=size))["consistency_path"]]
            if merkle.verify_consistency(mid, size, tree.root(mid), root, proof):
                low = mid + 1
            else:
                high = mid
    return low - 1 if size else None


async def verify_live(url: str, token: str | None, saved: dict | None, jwks: dict | None,
                      deep: bool = False) -> Report:
    from services.registry.ledger.verify import verify_ledger

    sth, keys, entries = await download(url, token)
    report, tree = verify_ledger(*_leaves(entries), sth, jwks or keys, saved, deep=deep)
    if not report.ok and report.first_bad_entry is None and tree.size == sth["tree_size"] > 0:
        bad = await _locate(url, token, tree, sth)
        if bad is not None and bad < tree.size:
            report.fail(f"entry {bad} differs from what the registry's tree committed to", bad)
    report.sth = sth
    return report


def write_export(output: Path, sth: dict, jwks: dict, entries: list[dict]) -> None:
    from services.registry.ledger.verify import EXPORT_FORMAT

    with output.open("w") as handle:
        handle.write(json.dumps({"format": EXPORT_FORMAT, "sth": sth, "jwks": jwks}) + "\n")
        for entry in entries:
            handle.write(json.dumps({k: entry[k] for k in ("leaf_index", "leaf_input", "leaf_hash")}) + "\n")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        console.print(f"[red]{path}: {exc}[/red]")
        raise typer.Exit(2) from None


def _read_file(path: Path) -> dict | tuple[dict, dict, list[dict]]:
    """An evidence bundle (one JSON document) or a ledger export (JSON Lines with a header line)."""
    from services.registry.ledger.verify import EVIDENCE_FORMAT, EXPORT_FORMAT

    try:
        with path.open() as handle:
            try:
                header = json.loads(handle.readline())
            except ValueError:
                header = None
            if isinstance(header, dict) and header.get("format") == EXPORT_FORMAT:
                return header["sth"], header["jwks"], [json.loads(line) for line in handle if line.strip()]
        document = json.loads(path.read_text())
    except (OSError, ValueError, KeyError) as exc:
        console.print(f"[red]{path}: {exc}[/red]")
        raise typer.Exit(2) from None
    if not isinstance(document, dict) or document.get("format") != EVIDENCE_FORMAT:
        console.print(f"[red]{path} is neither a ledger export nor an evidence bundle[/red]")
        raise typer.Exit(2)
    return document


def _leaves(entries: list[dict]) -> tuple[list[bytes], list[bytes | None]]:
    for index, entry in enumerate(entries):
        if entry.get("leaf_index") != index:
            console.print(f"[red]entry {index} is out of order (leaf_index {entry.get('leaf_index')})[/red]")
            raise typer.Exit(1)
    return [_b(e["leaf_input"]) for e in entries], [_b(e["leaf_hash"]) if e.get("leaf_hash") else None
                                                    for e in entries]


def _emit(report: Report, as_json: bool, what: str) -> None:
    if as_json:
        typer.echo(json.dumps(report.__dict__, indent=2))
    elif report.ok:
        console.print(f"[green]verified[/green] {what}: {report.tree_size} entries, root {report.root_hash}",
                      soft_wrap=True)
    else:
        console.print(f"[red]NOT verified[/red] {what}")
        if report.first_bad_entry is not None:
            console.print(f"  first entry that does not match: leaf_index {report.first_bad_entry} "
                          f"(sequence {report.first_bad_entry + 1})")
        for problem in report.problems:
            console.print(f"  - {problem}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def verify(
    source: Annotated[str, typer.Argument(help="Registry URL, exported ledger file, or evidence bundle file.")],
    saved_head: Annotated[Path | None, typer.Option(help="A tree head saved earlier (JSON from /ledger/sth).")] = None,
    save_head: Annotated[Path | None, typer.Option(help="Write the verified signed tree head here.")] = None,
    jwks: JwksOpt = None,
    token: Token = None,
    deep: Annotated[bool, typer.Option(help="Also parse every entry and check its sequence.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify a live registry, an exported ledger, or an evidence bundle; report the first bad entry."""
    from services.registry.ledger.verify import verify_evidence, verify_ledger

    live = source.startswith(("http://", "https://"))
    saved = _read_json(saved_head) if saved_head else None
    if live:
        report = run(lambda: verify_live(source, token, saved, _read_json(jwks) if jwks else None, deep))
        if report.ok and save_head:
            save_head.write_text(json.dumps(report.sth, indent=2))
        _emit(report, as_json, source)
        return
    if Path(source).is_file():
        loaded = _read_file(Path(source))
        if isinstance(loaded, dict):
            report = verify_evidence(loaded, _read_json(jwks) if jwks else loaded.get("jwks") or {})
            _emit(report, as_json, f"evidence bundle for {loaded.get('subject_type')} {loaded.get('subject_id')}")
            return
        sth, keys, entries = loaded
    else:
        console.print(f"[red]{source} is neither a URL nor a file[/red]")
        raise typer.Exit(2)
    keys = _read_json(jwks) if jwks else keys
    report, _ = verify_ledger(*_leaves(entries), sth, keys, saved, deep=deep)
    if report.ok and save_head:
        save_head.write_text(json.dumps(sth, indent=2))
    _emit(report, as_json, source)


@app.command()
def export(
    url: Annotated[str, typer.Argument(help="Registry base URL.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (JSON Lines).")],
    token: Token = None,
) -> None:
    """Download the whole ledger with its signed tree head and JWKS, for offline verification."""
    sth, keys, entries = run(lambda: download(url, token))
    write_export(output, sth, keys, entries)
    console.print(f"[green]exported[/green] {len(entries)} entries to {output}")


@app.command()
def evidence(
    url: Annotated[str, typer.Argument(help="Registry base URL.")],
    subject_type: Annotated[str, typer.Argument(help="e.g. registration, resource, agreement.")],
    subject_id: Annotated[str, typer.Argument()],
    output: Annotated[Path, typer.Option("--output", "-o")],
    token: Token = None,
) -> None:
    """Download the evidence bundle of one subject (verify it with `pdr ledger verify FILE`)."""
    async def fetch() -> dict:
        async with _client(url, token) as client:
            return await client.get(f"/ledger/evidence/{subject_type}/{subject_id}")

    bundle = run(fetch)
    output.write_text(json.dumps(bundle, indent=2, ensure_ascii=False))
    console.print(f"[green]saved[/green] {len(bundle['entries'])} entries for {subject_type} {subject_id} to {output}")

