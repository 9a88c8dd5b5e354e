"""pending contact changes: a teller's change of a member's contacts waits for
a second teller's approval or the end of a hold

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('maker_teller_id', sa.Integer(), nullable=False),
    sa.Column('new_mobile', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('new_email', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('hold_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('cancelled_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('applied_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['maker_teller_id'], ['teller.id'], ),
    sa.ForeignKeyConstraint(['approved_by'], ['teller.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contact_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_change_institution'), ['institution'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_change_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_change_member_id'))
        batch_op.drop_index(batch_op.f('ix_contact_change_institution'))
    op.drop_table('contact_change')
