"""The access log: who read which record (or was refused it), when and from where, newest first.

Reads are buffered by the process that noted them (intake/services/access.py); before listing, this
process's buffer is written and the reader waits for the access_log projection to reach the event
store's head, so a read done a moment ago here is listed, and so is every batch other processes wrote.
"""
import re
from datetime import date, datetime, time, timedelta

from domain.clock import SERVICE_TIMEZONE, utc_text
from projections.access_log import access_rows

PROJECTION = "access_log"
CURSOR = re.compile(r"^(\d{1,18})-(\d{1,9})$")


def start_of(value) -> datetime:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=SERVICE_TIMEZONE)
    return value


def end_of(value) -> datetime:
    """The first moment after `value`: a day is included whole, a moment to the microsecond."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value + timedelta(days=1), time(0), tzinfo=SERVICE_TIMEZONE)
    return value + timedelta(microseconds=1)


def bound(value, edge) -> str | None:
    """A day or moment as the projection's text, through start_of or end_of; None when there is none."""
    if value is None:
        return None
    try:
        return utc_text(edge(value))
    except (OverflowError, ValueError):  # beyond year 9999: no read is that late (or that early)
        return None


def write_buffered_reads(running) -> tuple[int, int]:
    """(position of this process's reads just written, reads still unwritten because that write failed)."""
    flushed = running.access.flush()
    return flushed, running.access.pending


def reflected_position(running, *positions: int | None) -> int:
    """The position a complete list must reflect: the newest of those given and the store's head, so
    batches other processes wrote are listed too."""
    return max(*(position or 0 for position in positions), running.store.head())


def cursor_of(entry: dict) -> str:
    """The cursor of the entries after (older than) this one."""
    return f"{entry['position']}-{entry['seq']}"


def parse_cursor(text: str | None) -> tuple[int, int] | None:
    match = CURSOR.match(text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def entries(running, *, record_id: str | None = None, user_id: str | None = None, kind: str | None = None,
            outcome: str | None = None, date_from=None, date_to=None, cursor: str | None = None,
            limit: int) -> list[dict]:
    """At most `limit` entries, newest first, older than `cursor`; dates are local days (whole) or moments."""
    with running.views.transaction(write=False) as tx:
        rows = access_rows(tx, record_id=record_id, user_id=user_id, kind=kind, outcome=outcome,
                           at_from=bound(date_from, start_of), at_to=bound(date_to, end_of),
                           before=parse_cursor(cursor), limit=limit)
    return [entry_view(row) for row in rows]


def entry_view(row: dict) -> dict:
    return {"position": row["position"], "seq": row["seq"], "kind": row["kind"], "record_id": row["record_id"],
            "actor": {"user_id": row["user_id"], "username": row["username"], "role": row["role"]},
            "at": row["at"], "remote_addr": row["remote_addr"], "outcome": row["outcome"]}
