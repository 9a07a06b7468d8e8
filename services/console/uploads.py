"""Files in forms: hashed here (SHA-256), never stored; the APIs receive each file's name and digest only."""

from __future__ import annotations

import hashlib

from starlette.datastructures import FormData, UploadFile

__all__ = ["FileTooLarge", "attachments_from", "digest_upload"]


class FileTooLarge(Exception):
    pass


async def digest_upload(upload: UploadFile, limit: int) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    while chunk := await upload.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise FileTooLarge
        sha.update(chunk)
    return sha.hexdigest(), size


async def attachments_from(form: FormData, name: str, limit: int, description: str = "") -> list[dict]:
    """Every file chosen in the ``name`` input, as registry attachments."""
    out = []
    for upload in form.getlist(name):
        if isinstance(upload, UploadFile) and upload.filename:
            digest, _ = await digest_upload(upload, limit)
            out.append({"name": upload.filename[:200], "sha256": digest, "description": description[:200]})
    return out
