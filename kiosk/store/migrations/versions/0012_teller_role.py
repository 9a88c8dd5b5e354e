"""teller.role: «teller» (the console), «supervisor» (also the supervisor
view of their institution) or «operator» (the supervisor view of every
institution); issue 22 point 2.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('teller') as batch:
        batch.add_column(sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                   server_default='teller'))


def downgrade() -> None:
    with op.batch_alter_table('teller') as batch:
        batch.drop_column('role')
