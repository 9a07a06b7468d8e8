"""Change history (DOMAIN §1 change registration): every registered version of a subject and field diffs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.kernel.problems import NotFound

from .access import ensure_readable
from .context import Ctx
from .models import SubjectVersion
from .subjects import subject_or_404

__all__ = ["diff_snapshots", "diff_versions", "list_versions"]


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-level differences, one entry per top-level field that differs (sorted by field)."""
    changes = []
    for field in sorted(set(old) | set(new)):
        before, after = old.get(field), new.get(field)
        if before != after:
            changes.append({"field": field, "from": before, "to": after})
    return changes


async def list_versions(ctx: Ctx, subject_type: str, subject_id: str) -> list[SubjectVersion]:
    subject = await subject_or_404(ctx.session, subject_type, subject_id)
    ensure_readable(ctx.principal, subject.org_id, subject.joint_org_ids, subject_type)
    rows = await ctx.session.scalars(select(SubjectVersion).where(
        SubjectVersion.subject_type == subject_type, SubjectVersion.subject_id == subject_id)
        .order_by(SubjectVersion.version))
    return list(rows.all())


async def diff_versions(ctx: Ctx, subject_type: str, subject_id: str, old: int, new: int) -> dict[str, Any]:
    versions = {v.version: v for v in await list_versions(ctx, subject_type, subject_id)}
    for number in (old, new):
        if number not in versions:
            raise NotFound(f"The {subject_type} has no registered version {number}.", slug="version-not-found",
                           versions=sorted(versions))
    return {"subject_type": subject_type, "subject_id": subject_id, "from_version": old, "to_version": new,
            "changes": diff_snapshots(versions[old].snapshot, versions[new].snapshot)}
