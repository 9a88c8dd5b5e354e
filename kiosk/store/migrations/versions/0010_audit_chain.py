"""audit_event.seq and .chain, audit_chain_head: a tamper-evident audit trail
(kiosk.core.audit)

Existing rows stay unchained: nothing can vouch that they were not edited
before the upgrade, and chaining them would say it did.  The head remembers
the last of them (legacy_last_id), so ``kiosk audit verify`` reports them as
not covered, and any row without a place in the chain written after the
upgrade as inserted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chain', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_seq'), ['seq'], unique=True)
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('chain', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('seal', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('legacy_last_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO audit_chain_head (id, seq, chain, seal, legacy_last_id)"
        " SELECT 1, 0, NULL, NULL, COALESCE(MAX(id), 0) FROM audit_event"
    )


def downgrade() -> None:
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_seq'))
        batch_op.drop_column('chain')
        batch_op.drop_column('seq')
