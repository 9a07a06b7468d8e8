"""catalog index: entries, FTS5 (SQLite) or tsvector/GIN (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:15:00

The analysed text (Chinese as bigrams, see services/registry/catalog/cjk.py) is stored in title_tokens and
body_tokens (indexed by FTS5 on SQLite) and as a weighted tsvector in tsv (GIN on PostgreSQL).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_SQLITE_FTS = [
    # External content: the text lives once, in catalog_entries; bm25 weights title over body.
    "CREATE VIRTUAL TABLE catalog_fts USING fts5(title_tokens, body_tokens, content='catalog_entries', "
    "content_rowid='seq', tokenize='unicode61', prefix='1')",
    "CREATE TRIGGER catalog_entries_ai AFTER INSERT ON catalog_entries BEGIN "
    "INSERT INTO catalog_fts(rowid, title_tokens, body_tokens) VALUES (new.seq, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER catalog_entries_ad AFTER DELETE ON catalog_entries BEGIN "
    "INSERT INTO catalog_fts(catalog_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.seq, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER catalog_entries_au AFTER UPDATE OF title_tokens, body_tokens ON catalog_entries BEGIN "
    "INSERT INTO catalog_fts(catalog_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.seq, old.title_tokens, old.body_tokens); "
    "INSERT INTO catalog_fts(rowid, title_tokens, body_tokens) VALUES (new.seq, new.title_tokens, new.body_tokens); END",
]

_POSTGRES_FTS = [
    # The application writes tsv from the same tokens (catalog/cjk.py: tsvector_literal).
    "CREATE INDEX ix_catalog_entries_tsv ON catalog_entries USING gin (tsv)",
]


def upgrade() -> None:
    op.create_table('catalog_entries',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subject_type', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('org_name', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('domain', sa.String(length=100), nullable=False),
    sa.Column('update_frequency', sa.String(length=50), nullable=False),
    sa.Column('sharing_attribute', sa.String(length=20), nullable=False),
    sa.Column('opening_attribute', sa.String(length=20), nullable=False),
    sa.Column('grading', sa.String(length=20), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=False),
    sa.Column('use_type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title_tokens', sa.Text(), nullable=False),
    sa.Column('body_tokens', sa.Text(), nullable=False),
    sa.Column('tsv', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_catalog_entries'))
    )
    op.create_index('ix_catalog_entries_subject', 'catalog_entries', ['subject_type', 'subject_id'], unique=True)
    op.create_index('ix_catalog_entries_status_seq', 'catalog_entries', ['status', 'seq'], unique=False)
    op.create_index(op.f('ix_catalog_entries_org_id'), 'catalog_entries', ['org_id'], unique=False)
    for statement in (_POSTGRES_FTS if op.get_bind().dialect.name == 'postgresql' else _SQLITE_FTS):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('catalog_entries_ai', 'catalog_entries_ad', 'catalog_entries_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS catalog_fts")
    op.drop_table('catalog_entries')
