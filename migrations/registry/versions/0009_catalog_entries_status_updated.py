"""catalog_entries (status, updated_at, seq): the newest-changed public entries first, by an index walk

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:00:00

CKAN's clients list datasets by ``metadata_modified desc`` (its default sort without a query, and the order
harvesters page in): without this index each page sorted every public entry (registry/ckan/query.py).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_catalog_entries_status_updated', 'catalog_entries', ['status', 'updated_at', 'seq'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_catalog_entries_status_updated', table_name='catalog_entries')
