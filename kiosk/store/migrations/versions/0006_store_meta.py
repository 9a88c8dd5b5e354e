"""store_meta: one row holding the pepper's check value (kiosk.store.pepper)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('store_meta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pepper_check', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('store_meta')
