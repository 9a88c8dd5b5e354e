"""visit_event, its daily roll-ups (visit_step_daily, visit_time_daily),
kiosk_hourly and kiosk_heartbeat: what supervision reads (kiosk.core.visits,
kiosk.core.supervision); audit_daily and outbox_daily, kept by triggers on
audit_event and outbox_message (and filled from the rows already there), so
a month of those figures reads a few rows per day, not every row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kiosk.store.rollups import daily_triggers, fill_daily


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('visit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit', _text(length=32), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('branch', _text(length=60), nullable=False),
    sa.Column('kiosk', _text(length=60), nullable=False),
    sa.Column('step_id', _text(length=40), nullable=False),
    sa.Column('step_type', _text(length=40), nullable=False),
    sa.Column('outcome', _text(length=40), nullable=False),
    sa.Column('refusal', _text(length=60), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('ended', _text(length=20), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_event_at'), ['at'], unique=False)
    op.create_table('visit_step_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('branch', _text(length=60), nullable=False),
    sa.Column('step_id', _text(length=40), nullable=False),
    sa.Column('step_type', _text(length=40), nullable=False),
    sa.Column('outcome', _text(length=40), nullable=False),
    sa.Column('refusal', _text(length=60), nullable=False),
    sa.Column('ended', _text(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('branch', 'day', 'institution', 'step_id', 'step_type', 'outcome', 'refusal', 'ended')
    )
    op.create_table('visit_time_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('branch', _text(length=60), nullable=False),
    sa.Column('step_id', _text(length=40), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('branch', 'day', 'institution', 'step_id', 'bucket')
    )
    op.create_table('kiosk_hourly',
    sa.Column('hour', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kiosk', _text(length=60), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('branch', _text(length=60), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('hour', 'kiosk', 'institution')
    )
    op.create_table('kiosk_heartbeat',
    sa.Column('kiosk', _text(length=60), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('branch', _text(length=60), nullable=False),
    sa.Column('version', _text(length=40), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kiosk')
    )
    op.create_table('audit_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('action', _text(length=60), nullable=False),
    sa.Column('actor', _text(length=40), nullable=False),
    sa.Column('detail', _text(length=400), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'institution', 'action', 'actor', 'detail')
    )
    op.create_table('outbox_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('institution', _text(length=40), nullable=False),
    sa.Column('channel', _text(length=10), nullable=False),
    sa.Column('subject', _text(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'institution', 'channel', 'subject')
    )

    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in daily_triggers(postgres):
        op.execute(statement)
    for statement in fill_daily(postgres):
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.execute("DROP TRIGGER IF EXISTS audit_daily_count" + (" ON audit_event" if postgres else ""))
    op.execute("DROP TRIGGER IF EXISTS outbox_daily_count" + (" ON outbox_message" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS audit_daily_count()")
        op.execute("DROP FUNCTION IF EXISTS outbox_daily_count()")
    op.drop_table('outbox_daily')
    op.drop_table('audit_daily')
    op.drop_table('kiosk_heartbeat')
    op.drop_table('kiosk_hourly')
    op.drop_table('visit_time_daily')
    op.drop_table('visit_step_daily')
    with op.batch_alter_table('visit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_event_at'))
    op.drop_table('visit_event')
