"""registrations: filed_at (first receipt), changed_on (material change), CHECK valid_until >= valid_from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 09:00:00

The filing date of a registration is its first receipt (Art. 10: a resubmission restarts only the acceptance
clock), kept apart from ``submitted_at`` (the latest receipt); existing rows take it from their first evidence
submission. A registration coded after its product's agreement had ended got a validity ending before it
started (issue 14); such rows had lapsed at the next sweep, and are kept as valid on their coding day only
(valid_until = valid_from) so that the constraint can hold.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('registrations') as batch:
        batch.add_column(sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('changed_on', sa.Date(), nullable=True))
    op.execute("""
        UPDATE registrations SET filed_at = COALESCE(
            (SELECT MIN(s.received_at) FROM registration_submissions s WHERE s.registration_id = registrations.id),
            submitted_at)
    """)
    op.execute("UPDATE registrations SET valid_until = valid_from WHERE valid_until < valid_from")
    with op.batch_alter_table('registrations') as batch:
        batch.alter_column('filed_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_check_constraint(
            op.f('ck_registrations_validity_order'), 'valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from')


def downgrade() -> None:
    with op.batch_alter_table('registrations') as batch:
        batch.drop_constraint(op.f('ck_registrations_validity_order'), type_='check')
        batch.drop_column('changed_on')
        batch.drop_column('filed_at')
