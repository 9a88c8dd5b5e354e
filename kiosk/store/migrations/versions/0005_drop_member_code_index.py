"""drop the one-time codes' member_id index: the (member_id, purpose) index of 0004 serves every lookup it did

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 12:00:00
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_index('ix_one_time_code_member_id')


def downgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.create_index('ix_one_time_code_member_id', ['member_id'], unique=False)
