"""evaluation runs: the day stocks were counted on, and whether the period is provisional (the current year)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 08:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Runs made before this revision counted every record as of the run: their day is the period's last.
    with op.batch_alter_table('evaluation_runs') as batch:
        batch.add_column(sa.Column('as_of', sa.Date(), nullable=True))
        batch.add_column(sa.Column('provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
    day = "period || '-12-31'"  # SQLite keeps dates as ISO text; PostgreSQL needs the cast
    op.execute(f"UPDATE evaluation_runs SET as_of = {day if op.get_bind().dialect.name == 'sqlite' else f'CAST({day} AS DATE)'}")
    with op.batch_alter_table('evaluation_runs') as batch:
        batch.alter_column('as_of', existing_type=sa.Date(), nullable=False)
        batch.alter_column('provisional', server_default=None)
    with op.batch_alter_table('evaluations') as batch:
        batch.add_column(sa.Column('provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('evaluations') as batch:
        batch.alter_column('provisional', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('evaluations') as batch:
        batch.drop_column('provisional')
    with op.batch_alter_table('evaluation_runs') as batch:
        batch.drop_column('provisional')
        batch.drop_column('as_of')
