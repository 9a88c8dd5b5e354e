"""one-time codes: the hash of a secret that waits on the code (a recovery link's temporary password)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_secret_hash', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('one_time_code', schema=None) as batch_op:
        batch_op.drop_column('pending_secret_hash')
