"""Registration journals (журнал регистрации обращений): one row per contact, numbered per service and year.

A number is given when the contact's Recorded event is projected, in log order, so numbers are
gap-free within (service, year) and the same after every rebuild. The year is the year the
contact was recorded, in the service's time zone.
"""
from datetime import datetime
from functools import singledispatchmethod

from domain.clock import local
from domain.contact import Contact
from projections.base import Projection
from projections.db import Tx

COLUMNS = (
    "contact_id", "service", "year", "registration_number", "recorded_at", "started_at", "ended_at",
    "local_date", "local_time", "channel", "contact_type", "consultant", "consultant_id",
    "caller_role", "categories", "risk", "outcome", "duration_seconds",
)


def joined(codes) -> str:
    return ",".join(codes or [])


def duration(started: str, ended: str | None) -> int | None:
    if not ended:
        return None
    return int((datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds())


class JournalProjection(Projection):
    name = "journals"
    version = 1
    tables = ("journal_rows", "journal_counters")

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS journal_rows (
            contact_id TEXT PRIMARY KEY, service TEXT NOT NULL, year INTEGER NOT NULL,
            registration_number INTEGER NOT NULL, recorded_at TEXT NOT NULL, started_at TEXT NOT NULL,
            ended_at TEXT, local_date TEXT NOT NULL, local_time TEXT NOT NULL, channel TEXT NOT NULL,
            contact_type TEXT NOT NULL, consultant TEXT NOT NULL, consultant_id TEXT,
            caller_role TEXT NOT NULL, categories TEXT NOT NULL, risk TEXT NOT NULL,
            outcome TEXT NOT NULL, duration_seconds INTEGER,
            UNIQUE (service, year, registration_number))""")
        tx.execute("CREATE INDEX IF NOT EXISTS journal_rows_by_date ON journal_rows (service, local_date)")
        tx.execute("""CREATE TABLE IF NOT EXISTS journal_counters (
            service TEXT NOT NULL, year INTEGER NOT NULL, last_number INTEGER NOT NULL,
            PRIMARY KEY (service, year))""")

    def start_batch(self, tx: Tx) -> None:
        self.new_rows: dict[str, dict] = {}
        self.counters: dict[tuple[str, int], int] = {}

    def finish_batch(self, tx: Tx) -> None:
        tx.insert_rows("journal_rows", COLUMNS, [tuple(row[c] for c in COLUMNS) for row in self.new_rows.values()])
        tx.merge_rows("journal_counters", ("service", "year", "last_number"),
                      [(service, year, number) for (service, year), number in self.counters.items()],
                      key=("service", "year"), update="last_number = excluded.last_number")

    def next_number(self, tx: Tx, service: str, year: int) -> int:
        key = (service, year)
        if key not in self.counters:
            self.counters[key] = tx.scalar(
                "SELECT last_number FROM journal_counters WHERE service = %s AND year = %s", key, 0)
        self.counters[key] += 1
        return self.counters[key]

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change the journal."""

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        recorded = local(event.timestamp)
        started = local(event.started_at)
        contact_id = str(event.originator_id)
        ended = event.ended_at
        self.new_rows[contact_id] = {
            "contact_id": contact_id,
            "service": event.service,
            "year": recorded.year,
            "registration_number": self.next_number(tx, event.service, recorded.year),
            "recorded_at": event.timestamp.isoformat(),
            "started_at": event.started_at.isoformat(),
            "ended_at": ended.isoformat() if ended else None,
            "local_date": started.date().isoformat(),
            "local_time": f"{started.hour:02d}:{started.minute:02d}",
            "channel": event.channel,
            "contact_type": event.contact_type,
            "consultant": event.actor["username"],
            "consultant_id": event.actor.get("user_id"),
            "caller_role": event.caller.get("role", ""),
            "categories": joined(event.categories),
            "risk": joined(event.risk),
            "outcome": joined(event.outcome),
            "duration_seconds": int((ended - event.started_at).total_seconds()) if ended else None,
        }

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        changes = {}
        for field in ("channel", "contact_type"):
            if field in event.changes:
                changes[field] = event.changes[field]
        for field in ("categories", "risk", "outcome"):
            if field in event.changes:
                changes[field] = joined(event.changes[field])
        if (event.changes.get("caller") or {}).get("role"):
            changes["caller_role"] = event.changes["caller"]["role"]
        for field in ("started_at", "ended_at"):
            if field in event.changes:
                value = event.changes[field]
                changes[field] = value.isoformat() if value else None
        if "started_at" in event.changes:
            started = local(event.changes["started_at"])
            changes["local_date"] = started.date().isoformat()
            changes["local_time"] = started.strftime("%H:%M")
        self.update(tx, str(event.originator_id), changes)

    @handle.register
    def _(self, event: Contact.Completed, tx: Tx) -> None:
        self.update(tx, str(event.originator_id), {"ended_at": event.ended_at.isoformat()})

    def update(self, tx: Tx, contact_id: str, changes: dict) -> None:
        row = self.new_rows.get(contact_id)
        if row is None:
            row = self.load_row(tx, contact_id)
        row.update(changes)
        row["duration_seconds"] = duration(row["started_at"], row["ended_at"])
        if contact_id not in self.new_rows:
            fields = [column for column in COLUMNS if column in changes or column == "duration_seconds"]
            tx.execute(f"UPDATE journal_rows SET {', '.join(f'{c} = %s' for c in fields)} WHERE contact_id = %s",
                       [row[c] for c in fields] + [contact_id])

    def load_row(self, tx: Tx, contact_id: str) -> dict:
        values = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM journal_rows WHERE contact_id = %s",
                            (contact_id,)).fetchone()
        return dict(zip(COLUMNS, values))


def journal_rows(tx: Tx, *, service: str, date_from, date_to, channel: str | None = None,
                 consultant_id: str | None = None) -> list[dict]:
    """Rows of one service's journal for the contacts that started in the date range, in number order."""
    where = "service = %s AND local_date >= %s AND local_date <= %s"
    params: list = [service, date_from.isoformat(), date_to.isoformat()]
    if channel:
        where += " AND channel = %s"
        params.append(channel)
    if consultant_id:
        where += " AND consultant_id = %s"
        params.append(consultant_id)
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM journal_rows WHERE {where} "
                      "ORDER BY year, registration_number", params).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows]
