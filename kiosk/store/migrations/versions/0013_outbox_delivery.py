"""outbox_message: what the relay (kiosk.relay, issue 23) needs to deliver a
message: its institution, a delivery state, attempts, the next attempt, the
claim of the relay sending it and when that claim lapses, when it was sent,
the last error (a short reason, never the body), an idempotency key the
gateway and the mail server see, when the code or link it carries expires, and
its topic (a newer code for the same purpose replaces one still waiting).

The rows already there were only ever simulated: they get the state
«simulated», so a relay configured later never sends history.  Columns are
added (SQLite: ALTER TABLE ADD COLUMN, no table copy, so the outbox_daily
trigger of 0011 stays) and the key is unique through an index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('outbox_message') as batch:
        batch.add_column(sa.Column('institution', _text(length=40), nullable=False, server_default=''))
        batch.add_column(sa.Column('state', _text(length=12), nullable=False, server_default='simulated'))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('next_attempt_at', _time(), nullable=True))
        batch.add_column(sa.Column('claimed_by', _text(length=80), nullable=True))
        batch.add_column(sa.Column('claim_expires_at', _time(), nullable=True))
        batch.add_column(sa.Column('sent_at', _time(), nullable=True))
        batch.add_column(sa.Column('last_error', _text(length=200), nullable=True))
        # NULL only in rows inserted around the model (bulk seeding): never relayed.
        batch.add_column(sa.Column('idempotency_key', _text(length=64), nullable=True))
        batch.add_column(sa.Column('expires_at', _time(), nullable=True))
        batch.add_column(sa.Column('topic', _text(length=40), nullable=True))
    op.execute(
        "UPDATE outbox_message SET idempotency_key = 'simulated-' || id,"
        " institution = COALESCE((SELECT member.institution FROM member WHERE member.id = outbox_message.member_id), '')"
    )
    with op.batch_alter_table('outbox_message') as batch:
        batch.create_index('ix_outbox_message_idempotency_key', ['idempotency_key'], unique=True)
        # The relay's two questions: which queued messages are due, which claims have lapsed.
        batch.create_index('ix_outbox_message_state_next_attempt', ['state', 'next_attempt_at'], unique=False)
        batch.create_index('ix_outbox_message_state_claim_expires', ['state', 'claim_expires_at'], unique=False)
        # Supervision's counts per state over a period.
        batch.create_index('ix_outbox_message_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    # Dropping columns copies the table on SQLite, and its triggers (0011's
    # outbox_daily_count) go with the old one: they are created again after.
    bind = op.get_bind()
    triggers = [] if bind.dialect.name != 'sqlite' else bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'outbox_message'"
    )).scalars().all()
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_index('ix_outbox_message_created_at')
        batch.drop_index('ix_outbox_message_state_claim_expires')
        batch.drop_index('ix_outbox_message_state_next_attempt')
        batch.drop_index('ix_outbox_message_idempotency_key')
    with op.batch_alter_table('outbox_message') as batch:
        for column in ('topic', 'expires_at', 'idempotency_key', 'last_error', 'sent_at', 'claim_expires_at', 'claimed_by',
                       'next_attempt_at', 'attempts', 'state', 'institution'):
            batch.drop_column(column)
    for statement in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
        op.execute(statement)
