"""signing keys: a rotated key is published before it signs (signs_from)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # NULL: the key signs from its creation, as every key made before this revision did.
    op.add_column('signing_keys', sa.Column('signs_from', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('signing_keys') as batch:
        batch.drop_column('signs_from')
