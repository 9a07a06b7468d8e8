"""Every table of the registry service, gathered so Alembic sees the whole metadata."""

from services.kernel.idempotency import idempotency_table

from . import signing  # noqa: F401
from .catalog import models as catalog_models  # noqa: F401
from .compliance import models as compliance_models  # noqa: F401
from .graphql import models as graphql_models  # noqa: F401
from .ledger import models as ledger_models  # noqa: F401
from .operation import models as operation_models  # noqa: F401
from .pricing import models as pricing_models  # noqa: F401
from .registration import models as registration_models  # noqa: F401
from .tables import metadata

idempotency = idempotency_table(metadata)
# Built by hand in the catalog migration (FTS5 shadow tables, generated tsvector + GIN): not for autogenerate.
metadata.info["unmanaged"] = ("catalog_fts*", "catalog_entries.tsv", "ix_catalog_entries_tsv")

__all__ = ["metadata"]
