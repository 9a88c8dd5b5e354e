"""where a key came from: member_key.issued (the institution issued it) and
key_history.origin (chosen, temporary or issued), so only chosen keys count
towards the last keys and an issued key is never accepted again

Existing rows: a current key a teller sent, or a temporary key that never
expires and was never changed (the first-access key), is issued.  A retired key
takes its origin from the audit row of the change that set it ("clave login
temporal" is temporary, a teller's change is issued); a retired key no audit
row explains (set before the audit, such as a seeded key) stays "chosen", so it
still counts towards the last keys as it did before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('key_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'origin', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default='chosen'
        ))
    op.execute(
        "UPDATE member_key SET issued = TRUE WHERE issued_at_office OR (temporary AND expires_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM key_history h"
        " WHERE h.member_id = member_key.member_id AND h.kind = member_key.kind))"
    )
    # The change that set a retired key is the member's latest "key_changed"
    # audit row for that kind before the key was retired.
    setter = (
        "(SELECT {column} FROM audit_event a WHERE a.member_id = key_history.member_id"
        " AND a.action = 'key_changed' AND a.at < key_history.retired_at"
        " AND (a.detail = 'clave ' || key_history.kind OR a.detail = 'clave ' || key_history.kind || ' temporal')"
        " ORDER BY a.at DESC, a.id DESC LIMIT 1)"
    )
    op.execute(
        f"UPDATE key_history SET origin = CASE"
        f" WHEN {setter.format(column='a.actor')} <> 'member' THEN 'issued'"
        f" WHEN {setter.format(column='a.detail')} LIKE '% temporal' THEN 'temporary'"
        f" ELSE 'chosen' END"
    )


def downgrade() -> None:
    with op.batch_alter_table('key_history', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('member_key', schema=None) as batch_op:
        batch_op.drop_column('issued')
