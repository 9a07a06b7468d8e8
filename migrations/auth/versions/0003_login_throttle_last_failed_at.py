"""login throttle: a run of failures is dated by its last failure (backoff per address and account)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 09:00:00

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Counts kept under the old keys ("user:<name>") are no longer read; they carried at most a 5-minute lock.
    op.execute("DELETE FROM login_throttle")
    with op.batch_alter_table('login_throttle') as batch:
        batch.alter_column('window_started_at', new_column_name='last_failed_at')


def downgrade() -> None:
    op.execute("DELETE FROM login_throttle")
    with op.batch_alter_table('login_throttle') as batch:
        batch.alter_column('last_failed_at', new_column_name='window_started_at')
