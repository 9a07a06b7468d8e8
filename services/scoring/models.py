"""Every table of the scoring service, gathered so Alembic sees the whole metadata."""

from services.kernel.idempotency import idempotency_table

from . import records  # noqa: F401
from .tables import metadata

idempotency = idempotency_table(metadata)

__all__ = ["metadata"]
