"""Contact statistics, pre-aggregated: counts per day for every dimension and every pair of dimensions.

Each contact adds one to a cell for each subset of at most two stored dimensions (and to the
total), keyed by day, service and reporting consent. Month and weekday come from the day, so
group_by=month,channel,region is still served from pairs. An amendment removes the contact from
its old cells and adds it to the new ones, so it is never counted twice. Categories are
multi-valued: a contact with two categories counts once under each.
"""
from collections import Counter
from datetime import date, datetime
from functools import singledispatchmethod
from itertools import combinations

from domain.clock import local
from domain.contact import Contact, merge_changes
from projections.base import Projection
from projections.db import Tx

# Dimensions kept in the cells; "service" is a column of every cell, month and weekday derive from the day.
STORED_DIMENSIONS = ("channel", "contact_type", "caller_role", "gender", "age_group", "region",
                     "language", "settlement", "category", "hour")
TIME_DIMENSIONS = ("month", "weekday")
DIMENSIONS = ("service",) + STORED_DIMENSIONS + TIME_DIMENSIONS
SUBSETS = [()] + [subset for size in (1, 2) for subset in combinations(STORED_DIMENSIONS, size)]
NONE = ""  # a dimension without a value (no categories, gender not asked) is counted under ""


def facts_of(fields: dict) -> dict:
    """The dimensions of one contact, from its current fields."""
    started = local(fields["started_at"])
    caller = fields.get("caller") or {}
    return {
        "day": started.date().isoformat(),
        "service": fields["service"],
        "consented": 1 if (fields.get("consent") or {}).get("reporting") is True else 0,
        "channel": fields["channel"],
        "contact_type": fields["contact_type"],
        "caller_role": caller.get("role", NONE),
        "gender": caller.get("gender", NONE),
        "age_group": caller.get("age_group", NONE),
        "region": caller.get("region", NONE),
        "language": caller.get("language", NONE),
        "settlement": caller.get("settlement", NONE),
        "categories": ",".join(sorted(fields.get("categories") or [])),
        "hour": str(started.hour),
    }


def cells_of(facts: dict):
    """Every (day, service, consented, dims, vals) cell one contact counts in."""
    categories = facts["categories"].split(",") if facts["categories"] else [NONE]
    head = (facts["day"], facts["service"], facts["consented"])
    for subset in SUBSETS:
        if "category" in subset:
            for category in categories:
                values = {**facts, "category": category}
                yield head + (",".join(subset), "|".join(values[d] for d in subset))
        else:
            yield head + (",".join(subset), "|".join(facts[d] for d in subset))


class ContactStatsProjection(Projection):
    name = "contact_stats"
    version = 1
    tables = ("contact_facts", "contact_rollup")

    def create_tables(self, tx: Tx) -> None:
        # contact_facts keeps each contact's current fields (as JSON-free columns) to undo its cells on amendment.
        tx.execute("""CREATE TABLE IF NOT EXISTS contact_facts (
            contact_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, service TEXT NOT NULL,
            channel TEXT NOT NULL, contact_type TEXT NOT NULL, consent_reporting INTEGER,
            caller_role TEXT, gender TEXT, age_group TEXT, region TEXT, language TEXT,
            settlement TEXT, categories TEXT NOT NULL, day TEXT NOT NULL, hour INTEGER NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS contact_facts_by_day ON contact_facts (day)")
        tx.execute("""CREATE TABLE IF NOT EXISTS contact_rollup (
            dims TEXT NOT NULL, day TEXT NOT NULL, service TEXT NOT NULL, consented INTEGER NOT NULL,
            vals TEXT NOT NULL, month TEXT NOT NULL, weekday INTEGER NOT NULL, n BIGINT NOT NULL,
            PRIMARY KEY (dims, day, service, consented, vals))""")

    # -- events ---------------------------------------------------------------------------------
    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change contact statistics."""

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        fields = {name: getattr(event, name) for name in ("service", "channel", "started_at", "contact_type",
                                                            "caller", "categories", "consent")}
        self.move(tx, str(event.originator_id), None, fields)

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        contact_id = str(event.originator_id)
        before = self.fields_of(tx, contact_id)
        after = merge_changes(before, {k: v for k, v in event.changes.items() if k in before})
        self.move(tx, contact_id, before, after)

    # -- batching -------------------------------------------------------------------------------
    def start_batch(self, tx: Tx) -> None:
        self.deltas: Counter = Counter()
        self.fields: dict[str, dict] = {}  # contacts touched in this batch, as they now stand

    def move(self, tx: Tx, contact_id: str, before: dict | None, after: dict) -> None:
        if before is not None:
            self.deltas.subtract(cells_of(facts_of(before)))
        self.deltas.update(cells_of(facts_of(after)))
        self.fields[contact_id] = after

    def fields_of(self, tx: Tx, contact_id: str) -> dict:
        if contact_id in self.fields:
            return self.fields[contact_id]
        row = tx.execute("SELECT started_at, service, channel, contact_type, consent_reporting, caller_role, "
                         "gender, age_group, region, language, settlement, categories FROM contact_facts "
                         "WHERE contact_id = %s", (contact_id,)).fetchone()
        caller = dict(zip(("role", "gender", "age_group", "region", "language", "settlement"), row[5:11]))
        return {
            "started_at": datetime.fromisoformat(row[0]), "service": row[1], "channel": row[2],
            "contact_type": row[3],
            "consent": {} if row[4] is None else {"reporting": bool(row[4])},
            "caller": {key: value for key, value in caller.items() if value},
            "categories": row[11].split(",") if row[11] else [],
        }

    def finish_batch(self, tx: Tx) -> None:
        rows = []
        for (day, service, consented, dims, vals), n in self.deltas.items():
            if n:
                parsed = date.fromisoformat(day)
                rows.append((dims, day, service, consented, vals, day[:7], parsed.isoweekday(), n))
        rows.sort()  # a fixed order keeps concurrent writers from deadlocking on cells
        tx.executemany(
            "INSERT INTO contact_rollup (dims, day, service, consented, vals, month, weekday, n) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (dims, day, service, consented, vals) "
            "DO UPDATE SET n = contact_rollup.n + excluded.n", rows)
        facts = []
        for contact_id, fields in self.fields.items():
            f = facts_of(fields)
            consent = (fields.get("consent") or {}).get("reporting")
            facts.append((contact_id, fields["started_at"].isoformat(), f["service"], f["channel"],
                          f["contact_type"], None if consent is None else int(consent), f["caller_role"],
                          f["gender"], f["age_group"], f["region"], f["language"], f["settlement"],
                          f["categories"], f["day"], int(f["hour"])))
        tx.executemany(
            "INSERT INTO contact_facts (contact_id, started_at, service, channel, contact_type, consent_reporting, "
            "caller_role, gender, age_group, region, language, settlement, categories, day, hour) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (contact_id) DO UPDATE SET "
            "started_at = excluded.started_at, service = excluded.service, channel = excluded.channel, "
            "contact_type = excluded.contact_type, consent_reporting = excluded.consent_reporting, "
            "caller_role = excluded.caller_role, gender = excluded.gender, age_group = excluded.age_group, "
            "region = excluded.region, language = excluded.language, settlement = excluded.settlement, "
            "categories = excluded.categories, day = excluded.day, hour = excluded.hour", facts)


# -- reading ----------------------------------------------------------------------------------------
def _value(dimension: str, raw):
    if raw in (None, NONE):
        return None
    return int(raw) if dimension in ("hour", "weekday") else raw


def count_contacts(tx: Tx, *, date_from: date, date_to: date, group_by: list[str],
                   consented_only: bool = False, service: str | None = None) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]}, from the cells of the days in range."""
    stored = [d for d in STORED_DIMENSIONS if d in group_by]  # the order cells were keyed in
    if len(stored) > 2:
        return _count_from_facts(tx, date_from=date_from, date_to=date_to, group_by=group_by,
                                 consented_only=consented_only, service=service)
    where = "dims = %s AND day >= %s AND day <= %s"
    params: list = [date_from.isoformat(), date_to.isoformat()]
    if consented_only:
        where += " AND consented = 1"
    if service:
        where += " AND service = %s"
        params.append(service)
    extra = [d for d in ("service", "month", "weekday") if d in group_by]
    columns = extra + ["vals"]
    rows = tx.execute(
        f"SELECT {', '.join(columns)}, SUM(n) FROM contact_rollup WHERE {where} "
        f"GROUP BY {', '.join(columns)} HAVING SUM(n) <> 0", [",".join(stored)] + params).fetchall()
    total = tx.scalar(f"SELECT SUM(n) FROM contact_rollup WHERE {where}", [""] + params, 0)
    result = []
    for row in rows:
        values = dict(zip(extra, row[:len(extra)]))
        values.update(zip(stored, row[len(extra)].split("|") if stored else []))
        result.append({d: _value(d, values[d]) for d in group_by} | {"count": int(row[-1])})
    return {"total": int(total), "rows": _sorted(result, group_by)}


def _sorted(rows: list[dict], group_by: list[str]) -> list[dict]:
    """Largest first, then by value, so the same data always gives the same answer."""
    return sorted(rows, key=lambda r: (-r["count"], [(r[d] is None, str(r[d])) for d in group_by]))


def _count_from_facts(tx: Tx, *, date_from, date_to, group_by, consented_only, service) -> dict:
    """Three stored dimensions at once: counted from the contacts of the range (not from cells)."""
    where = "day >= %s AND day <= %s"
    params: list = [date_from.isoformat(), date_to.isoformat()]
    if consented_only:
        where += " AND consent_reporting = 1"
    if service:
        where += " AND service = %s"
        params.append(service)
    names = ("day", "service", "channel", "contact_type", "caller_role", "gender", "age_group", "region",
             "language", "settlement", "categories", "hour")
    counts: Counter = Counter()
    total = 0
    for row in tx.execute(f"SELECT {', '.join(names)} FROM contact_facts WHERE {where}", params).fetchall():
        facts = dict(zip(names, row))
        parsed = date.fromisoformat(facts["day"])
        facts.update(month=facts["day"][:7], weekday=parsed.isoweekday(), hour=facts["hour"])
        total += 1
        categories = facts["categories"].split(",") if facts["categories"] else [NONE]
        for category in categories if "category" in group_by else categories[:1]:
            counts[tuple(category if d == "category" else facts[d] for d in group_by)] += 1
    rows = [{d: _value(d, v) for d, v in zip(group_by, key)} | {"count": n} for key, n in counts.items()]
    return {"total": total, "rows": _sorted(rows, group_by)}
