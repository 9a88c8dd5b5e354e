"""tellers, identity checks, temporary keys issued at an office

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 07:50:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teller',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('institution', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('document_type', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('document_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('totp_secret_sealed', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('totp_enrolled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=False),
    sa.Column('failed_signins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('identity_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teller_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('document_seen', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['teller_id'], ['teller.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identity_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_check_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_check_teller_id'), ['teller_id'], unique=False)
    with op.batch_alter_table('member_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_at_office', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('member_key', schema=None) as batch_op:
        batch_op.drop_column('issued_at_office')
    with op.batch_alter_table('identity_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_check_teller_id'))
        batch_op.drop_index(batch_op.f('ix_identity_check_member_id'))
    op.drop_table('identity_check')
    op.drop_table('teller')
