"""The SQL that keeps audit_daily and outbox_daily (migration 0011): the
triggers that count each new audit row and outbox message, and the
statements that count the rows already there.  One place for both, because a
bulk load that leaves the triggers off (the bench's PostgreSQL seeding) must
count exactly as they would."""

from __future__ import annotations


def fill_daily(postgres: bool) -> list[str]:
    """Count every audit row and outbox message already in the store into the (empty) daily tables."""
    return [
        f"INSERT INTO audit_daily (day, institution, action, actor, detail, count)"
        f" SELECT {_day('at', postgres)}, institution, action, {_actor('', postgres)}, {_detail('')}, count(*)"
        f" FROM audit_event GROUP BY 1, 2, 3, 4, 5",
        f"INSERT INTO outbox_daily (day, institution, channel, subject, count)"
        f" SELECT {_day('outbox_message.created_at', postgres)}, COALESCE(member.institution, ''),"
        f" outbox_message.channel, outbox_message.subject, count(*)"
        f" FROM outbox_message LEFT JOIN member ON member.id = outbox_message.member_id GROUP BY 1, 2, 3, 4",
    ]


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


def daily_triggers(postgres: bool) -> list[str]:
    """The triggers that count each new audit row and outbox message."""
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
