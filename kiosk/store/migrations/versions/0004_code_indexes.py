"""indexes for a large store: a member's latest code by purpose, a link by its digest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 08:00:00
"""

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.create_index('ix_one_time_code_member_purpose', ['member_id', 'purpose'], unique=False)
        batch_op.create_index('ix_one_time_code_purpose_hash', ['purpose', 'hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_index('ix_one_time_code_purpose_hash')
        batch_op.drop_index('ix_one_time_code_member_purpose')
