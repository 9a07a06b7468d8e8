"""graphql_query_log: query_sha256, query_length, refusal (a refused query keeps an excerpt, not its text)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 11:00:00

A refused 5 MB query added 5.2 MB to the log (issue 18). Entries now keep, for a refused operation, an
excerpt, the digest and length of the whole text and the reason; existing entries get the digest and length
of the text they hold, which is all they have.
"""
import hashlib
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('graphql_query_log') as batch:
        batch.add_column(sa.Column('query_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column('query_length', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('refusal', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    log = sa.table('graphql_query_log', sa.column('id', sa.String), sa.column('query', sa.Text),
                   sa.column('query_sha256', sa.String), sa.column('query_length', sa.Integer))
    bind = op.get_bind()
    for row_id, query in bind.execute(sa.select(log.c.id, log.c.query)).all():
        bind.execute(log.update().where(log.c.id == row_id).values(
            query_sha256=hashlib.sha256(query.encode('utf-8', 'surrogatepass')).hexdigest(), query_length=len(query)))
    with op.batch_alter_table('graphql_query_log') as batch:
        batch.alter_column('query_sha256', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch.alter_column('query_length', existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('graphql_query_log') as batch:
        batch.drop_column('refusal')
        batch.drop_column('query_length')
        batch.drop_column('query_sha256')
