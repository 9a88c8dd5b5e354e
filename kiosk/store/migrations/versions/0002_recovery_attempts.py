"""recovery attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:56:31.374226
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('recovery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recovery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_attempt_subject'), ['subject'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('recovery_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_attempt_subject'))

    op.drop_table('recovery_attempt')

