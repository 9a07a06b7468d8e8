"""resources.data_updated_on: the day a resource's data was last refreshed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 08:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('resources') as batch:
        batch.add_column(sa.Column('data_updated_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('resources') as batch:
        batch.drop_column('data_updated_on')
