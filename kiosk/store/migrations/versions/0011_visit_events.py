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
    for statement in _triggers(postgres):
        op.execute(statement)
    op.execute(
        f"INSERT INTO audit_daily (day, institution, action, actor, detail, count)"
        f" SELECT {_day('at', postgres)}, institution, action, {_actor('', postgres)}, {_detail('')}, count(*)"
        f" FROM audit_event GROUP BY 1, 2, 3, 4, 5"
    )
    op.execute(
        f"INSERT INTO outbox_daily (day, institution, channel, subject, count)"
        f" SELECT {_day('outbox_message.created_at', postgres)}, COALESCE(member.institution, ''),"
        f" outbox_message.channel, outbox_message.subject, count(*)"
        f" FROM outbox_message LEFT JOIN member ON member.id = outbox_message.member_id GROUP BY 1, 2, 3, 4"
    )


def _day(column: str, postgres: bool) -> str:
    return f"({column} AT TIME ZONE 'UTC')::date" if postgres else f"date({column})"


def _actor(row: str, postgres: bool) -> str:
    """The kind of actor: "teller:5" -> "teller"."""
    find = "strpos" if postgres else "instr"
    return (f"CASE WHEN {find}({row}actor, ':') > 0 THEN substr({row}actor, 1, {find}({row}actor, ':') - 1)"
            f" ELSE {row}actor END")


def _detail(row: str) -> str:
    """Only a sent message's detail ("<purpose> por <channel>"): other details are a member's own."""
    return f"CASE WHEN {row}action = 'code_sent' THEN {row}detail ELSE '' END"


def _triggers(postgres: bool) -> list[str]:
    audit_row = (f"({_day('NEW.at', postgres)}, NEW.institution, NEW.action, {_actor('NEW.', postgres)},"
                 f" {_detail('NEW.')}, 1)")
    audit_add = (f"INSERT INTO audit_daily (day, institution, action, actor, detail, count) VALUES {audit_row}"
                 " ON CONFLICT (day, institution, action, actor, detail) DO UPDATE SET count = audit_daily.count + 1;")
    outbox_row = (f"({_day('NEW.created_at', postgres)},"
                  " COALESCE((SELECT institution FROM member WHERE member.id = NEW.member_id), ''),"
                  " NEW.channel, NEW.subject, 1)")
    outbox_add = (f"INSERT INTO outbox_daily (day, institution, channel, subject, count) VALUES {outbox_row}"
                  " ON CONFLICT (day, institution, channel, subject) DO UPDATE SET count = outbox_daily.count + 1;")
    if not postgres:
        return [
            f"CREATE TRIGGER audit_daily_count AFTER INSERT ON audit_event BEGIN {audit_add} END",
            f"CREATE TRIGGER outbox_daily_count AFTER INSERT ON outbox_message BEGIN {outbox_add} END",
        ]
    return [
        f"CREATE FUNCTION audit_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {audit_add}"
        " RETURN NULL; END $$",
        "CREATE TRIGGER audit_daily_count AFTER INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_daily_count()",
        f"CREATE FUNCTION outbox_daily_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {outbox_add}"
        " RETURN NULL; END $$",
        "CREATE TRIGGER outbox_daily_count AFTER INSERT ON outbox_message FOR EACH ROW"
        " EXECUTE FUNCTION outbox_daily_count()",
    ]


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
