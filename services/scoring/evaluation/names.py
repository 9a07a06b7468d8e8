"""The name a reader sees for an evaluated organization (issue 16: names, never ids, where a person reads).

An evaluation keeps the name its run knew: for an organization auth's directory, else the registry's records of
it; for a region its GB/T 2260 name.
A run made while neither named an organization kept its id, and evaluations stored before names were kept carry
an empty name. When such an evaluation is read, scoring's copy of auth's directory names it, so every client (the
console, a report, a chart) shows a name without asking auth itself; the stored evaluation is left as it was run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated

from fastapi import Depends, Request

from services.kernel.regions import region_label

from ..directory import OrgDirectory
from ..records import Evaluation

__all__ = ["Names", "SubjectNames", "unnamed"]


def unnamed(e: Evaluation) -> bool:
    return e.subject_name in ("", e.subject_id)


class SubjectNames:
    def __init__(self, directory: OrgDirectory | None) -> None:
        self.directory = directory

    async def of(self, rows: Iterable[Evaluation]) -> Mapping[str, str]:
        """Subject id → name, for the unnamed subjects among ``rows``: a region by GB/T 2260, an organization from
        the directory (read, from its cache, only when there is one)."""
        rows = [e for e in rows if unnamed(e)]
        names = {e.subject_id: region_label(e.subject_id) for e in rows if e.subject_kind == "region"}
        wanted = {e.subject_id for e in rows if e.subject_kind == "organization"}
        if wanted and self.directory is not None:
            orgs = await self.directory.all()
            names.update((org_id, orgs[org_id].name) for org_id in wanted if org_id in orgs)
        return names


async def _subject_names(request: Request) -> SubjectNames:
    return SubjectNames(getattr(request.app.state, "directory", None))


Names = Annotated[SubjectNames, Depends(_subject_names)]
