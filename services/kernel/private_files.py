"""Files only their owner may read: the embedded SQLite databases and the directory that holds them.

Auth's database holds its private signing keys (unsealed unless ``key_encryption_key`` is set), and every
database holds personal data: each is created 0600 before SQLite first opens it, its data directory 0700.
SQLite gives a database's ``-wal`` and ``-shm`` files the database file's own mode, so they follow. A file
or data directory made earlier with wider modes is narrowed when it is next opened.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["DIR_MODE", "FILE_MODE", "private_dir", "private_sqlite", "write_private"]

FILE_MODE = 0o600
DIR_MODE = 0o700
SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) and keep it to its owner: a PDR data directory."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _narrow(path, DIR_MODE)
    return path


def private_sqlite(url: str) -> None:
    """Create the database file of a SQLite ``url`` 0600 (and its missing directory 0700) before SQLite opens it;
    narrow an existing one and its side files. Other URLs (PostgreSQL, in-memory SQLite) are left alone."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        if candidate.exists():
            _narrow(candidate, FILE_MODE)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file that is 0600 from its first byte (a secret: never briefly world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(text)


def _narrow(path: Path, mode: int) -> None:
    """Set the mode of a file or directory this process owns."""
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != mode:
        path.chmod(mode)
