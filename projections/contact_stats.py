"""Contact statistics, pre-aggregated per month for every dimension and every pair of dimensions.

Each contact adds one to a cell for each subset of at most two stored dimensions (and to the
total), keyed by month, service and reporting consent; "service" and "month" are columns of
every cell, so group_by=month,channel,region is still served from pairs. A date range covers
whole months from the cells and the days of a partial month at either end from the contacts of
those days (contact_facts, indexed by day), so no query reads all contacts. Three stored
dimensions at once are counted from the contacts of the range.

An amendment removes the contact from its old cells and adds it to the new ones, so it is never
counted twice. Categories are multi-valued: a contact with two categories counts once under
each, and once in the total.

Month (not day) cells keep a rebuild of a million contacts within memory and time: a day grain
would hold about thirty times as many cells.
"""
import calendar
from collections import Counter
from datetime import date, datetime, timedelta
from functools import singledispatchmethod
from itertools import combinations

from domain.clock import local
from domain.contact import Contact, merge_changes
from projections.base import Projection
from projections.db import Tx

# Dimensions kept in the cells; "service" and "month" are columns of every cell.
STORED_DIMENSIONS = ("channel", "contact_type", "caller_role", "gender", "age_group", "region",
                     "language", "settlement", "category", "hour", "weekday")
DIMENSIONS = ("service", "month") + STORED_DIMENSIONS
SUBSETS = [()] + [subset for size in (1, 2) for subset in combinations(STORED_DIMENSIONS, size)]
NONE = ""  # a dimension without a value (no categories, gender not asked) is counted under ""
FACT_COLUMNS = ("day", "service", "consented", "channel", "contact_type", "caller_role", "gender", "age_group",
                "region", "language", "settlement", "categories", "hour", "weekday")
ROW_COLUMNS = ("contact_id", "started_at", "consent_reporting") + FACT_COLUMNS  # of contact_facts
CALLER_KEYS = ("gender", "age_group", "region", "language", "settlement")


def facts_of(fields: dict) -> dict:
    """The dimensions of one contact, from its current fields (all text, as cells store them)."""
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
        "weekday": str(started.isoweekday()),
    }


_INDEX = {dimension: index for index, dimension in enumerate(STORED_DIMENSIONS)}
_CATEGORY = _INDEX["category"]
SUBSET_NAMES = [",".join(subset) for subset in SUBSETS]
# Subsets as (subset << 16, position, position) into a contact's values, split by whether they hold
# the (multi-valued) category; a single's second position points at the always-empty slot.
_EMPTY = len(STORED_DIMENSIONS)


def _plan(with_category: bool) -> list[tuple[int, int, int]]:
    return [(i << 16, _INDEX[subset[0]], _INDEX[subset[1]] if len(subset) == 2 else _EMPTY)
            for i, subset in enumerate(SUBSETS) if subset and ("category" in subset) == with_category]


_PLAIN, _WITH_CATEGORY = _plan(False), _plan(True)


class CellCodes:
    """Cells as small integers while counting; text only once per batch, when written.

    A rebuild counts some seventy cells for each of a million contacts, so this is the hot path:
    an integer key (head, subset, value, value) hashes and adds several times faster than a tuple
    of strings. Each dimension's values (codes, hours, weekdays) get small numbers as first seen.
    """

    def __init__(self):
        self.heads: dict[tuple, int] = {}
        self.head_list: list[tuple] = []
        self.values: list[dict[str, int]] = [{NONE: 0} for _ in range(len(STORED_DIMENSIONS) + 1)]
        self.value_lists: list[list[str]] = [[NONE] for _ in range(len(STORED_DIMENSIONS) + 1)]

    def _code(self, position: int, value: str) -> int:
        codes = self.values[position]
        code = codes.get(value)
        if code is None:
            code = codes[value] = len(codes)
            if code > 0xFF:
                raise ValueError(f"more than 255 values of {STORED_DIMENSIONS[position]}")
            self.value_lists[position].append(value)
        return code

    def cells_of(self, facts: dict) -> list[int]:
        """Every cell one contact counts in: its month, service and consent, and each subset's values."""
        head_key = (facts["day"][:7], facts["service"], facts["consented"])
        head = self.heads.get(head_key)
        if head is None:
            head = self.heads[head_key] = len(self.head_list)
            self.head_list.append(head_key)
        base = head << 24
        values = [codes.get(facts.get(d, NONE)) for codes, d in zip(self.values, STORED_DIMENSIONS)] + [0]
        if None in values:  # a value not seen before: number it
            values = [self._code(p, facts.get(d, NONE)) for p, d in enumerate(STORED_DIMENSIONS)] + [0]
        cells = [base]  # the total
        cells += [base + subset + (values[a] << 8) + values[b] for subset, a, b in _PLAIN]
        for category in facts["categories"].split(",") if facts["categories"] else [NONE]:
            values[_CATEGORY] = self._code(_CATEGORY, category)
            cells += [base + subset + (values[a] << 8) + values[b] for subset, a, b in _WITH_CATEGORY]
        return cells

    def row(self, cell: int, n: int) -> tuple:
        """(dims, month, service, consented, vals, n): a cell as the contact_rollup table keeps it."""
        month, service, consented = self.head_list[cell >> 24]
        subset = SUBSETS[(cell >> 16) & 0xFF]
        codes = ((cell >> 8) & 0xFF, cell & 0xFF)
        vals = "|".join(self.value_lists[_INDEX[d]][code] for d, code in zip(subset, codes))
        return (SUBSET_NAMES[(cell >> 16) & 0xFF], month, service, consented, vals, n)


class ContactStatsProjection(Projection):
    name = "contact_stats"
    version = 3
    tables = ("contact_facts", "contact_rollup")

    def create_tables(self, tx: Tx) -> None:
        # Each contact's current dimensions: to undo its cells on amendment and to count edge days.
        tx.execute("""CREATE TABLE IF NOT EXISTS contact_facts (
            contact_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, consent_reporting INTEGER,
            day TEXT NOT NULL, service TEXT NOT NULL, consented INTEGER NOT NULL, channel TEXT NOT NULL,
            contact_type TEXT NOT NULL, caller_role TEXT NOT NULL, gender TEXT NOT NULL,
            age_group TEXT NOT NULL, region TEXT NOT NULL, language TEXT NOT NULL,
            settlement TEXT NOT NULL, categories TEXT NOT NULL, hour TEXT NOT NULL, weekday TEXT NOT NULL)""")
        tx.execute("CREATE INDEX IF NOT EXISTS contact_facts_by_day ON contact_facts (day)")
        tx.execute("""CREATE TABLE IF NOT EXISTS contact_rollup (
            dims TEXT NOT NULL, month TEXT NOT NULL, service TEXT NOT NULL, consented INTEGER NOT NULL,
            vals TEXT NOT NULL, n BIGINT NOT NULL,
            PRIMARY KEY (dims, month, service, consented, vals))""")

    # -- events ---------------------------------------------------------------------------------
    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change contact statistics."""

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        fields = {name: getattr(event, name) for name in ("service", "channel", "started_at", "contact_type",
                                                            "caller", "categories", "consent")}
        self.move(str(event.originator_id), None, fields)

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        contact_id = str(event.originator_id)
        before = self.fields_of(tx, contact_id)
        after = merge_changes(before, {k: v for k, v in event.changes.items() if k in before})
        self.move(contact_id, before, after)

    # -- batching: cells add up in memory and are written once per batch -------------------------
    def start_batch(self, tx: Tx) -> None:
        self.codes = getattr(self, "codes", None) or CellCodes()
        self.deltas: Counter = Counter()
        self.rows: dict[str, tuple] = {}  # contact_facts rows of the contacts touched in this batch

    def move(self, contact_id: str, before: dict | None, after: dict) -> None:
        if before is not None:
            self.deltas.subtract(self.codes.cells_of(facts_of(before)))
        facts = facts_of(after)
        self.deltas.update(self.codes.cells_of(facts))
        consent = (after.get("consent") or {}).get("reporting")
        self.rows[contact_id] = (contact_id, after["started_at"].isoformat(),
                                 None if consent is None else int(consent)) + tuple(facts[c] for c in FACT_COLUMNS)

    def fields_of(self, tx: Tx, contact_id: str) -> dict:
        """A contact's fields as far as statistics need them, from this batch or from contact_facts."""
        row = self.rows.get(contact_id) or tx.execute(
            f"SELECT {', '.join(ROW_COLUMNS)} FROM contact_facts WHERE contact_id = %s", (contact_id,)).fetchone()
        facts = dict(zip(ROW_COLUMNS, row))
        caller = {"role": facts["caller_role"], **{key: facts[key] for key in CALLER_KEYS}}
        return {
            "started_at": datetime.fromisoformat(facts["started_at"]), "service": facts["service"],
            "channel": facts["channel"], "contact_type": facts["contact_type"],
            "consent": {} if facts["consent_reporting"] is None else {"reporting": bool(facts["consent_reporting"])},
            "caller": {key: value for key, value in caller.items() if value},
            "categories": facts["categories"].split(",") if facts["categories"] else [],
        }

    def finish_batch(self, tx: Tx) -> None:
        tx.merge_rows("contact_rollup", ("dims", "month", "service", "consented", "vals", "n"),
                      [self.codes.row(cell, n) for cell, n in self.deltas.items() if n],
                      key=("dims", "month", "service", "consented", "vals"), update="n = contact_rollup.n + excluded.n")
        tx.merge_rows("contact_facts", ROW_COLUMNS, list(self.rows.values()), key=("contact_id",),
                      update=", ".join(f"{column} = excluded.{column}" for column in ROW_COLUMNS[1:]))


# -- reading ----------------------------------------------------------------------------------------
def _value(dimension: str, raw):
    if raw in (None, NONE):
        return None
    return int(raw) if dimension in ("hour", "weekday") else raw


def split_by_month(date_from: date, date_to: date) -> tuple[list[str], list[tuple[date, date]]]:
    """The whole months of a range ("YYYY-MM"), and the day ranges of the partial months at its ends."""
    whole, partial = [], []
    start = date_from
    while start <= date_to:
        month_end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        end = min(month_end, date_to)
        if start.day == 1 and end == month_end:
            whole.append(start.isoformat()[:7])
        else:
            partial.append((start, end))
        start = end + timedelta(days=1)
    return whole, partial


def count_contacts(tx: Tx, *, date_from: date, date_to: date, group_by: list[str],
                   consented_only: bool = False, service: str | None = None) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]} for contacts that started in the range."""
    stored = [d for d in STORED_DIMENSIONS if d in group_by]  # the order cells were keyed in
    whole, partial = split_by_month(date_from, date_to)
    if len(stored) > 2:
        whole, partial = [], [(date_from, date_to)]
    total, counts = 0, Counter()
    if whole:
        total, counts = _count_from_cells(tx, whole, stored, group_by, consented_only, service)
    for start, end in partial:
        edge_total, edge_counts = _count_from_facts(tx, start, end, group_by, consented_only, service)
        total += edge_total
        counts.update(edge_counts)
    rows = [{d: _value(d, v) for d, v in zip(group_by, key)} | {"count": n} for key, n in counts.items() if n]
    return {"total": total, "rows": _sorted(rows, group_by)}


def _filters(consented_only: bool, service: str | None, consented_column: str) -> tuple[str, list]:
    where, params = "", []
    if consented_only:
        where += f" AND {consented_column} = 1"
    if service:
        where += " AND service = %s"
        params.append(service)
    return where, params


def _count_from_cells(tx, months, stored, group_by, consented_only, service) -> tuple[int, Counter]:
    where, params = _filters(consented_only, service, "consented")
    where = "dims = %s AND month >= %s AND month <= %s" + where
    params = [months[0], months[-1]] + params
    extra = [d for d in ("service", "month") if d in group_by]
    columns = extra + ["vals"]
    rows = tx.execute(f"SELECT {', '.join(columns)}, SUM(n) FROM contact_rollup WHERE {where} "
                      f"GROUP BY {', '.join(columns)}", [",".join(stored)] + params).fetchall()
    total = tx.scalar(f"SELECT SUM(n) FROM contact_rollup WHERE {where}", [""] + params, 0)
    counts = Counter()
    for row in rows:
        values = dict(zip(extra, row[:len(extra)]))
        values.update(zip(stored, row[len(extra)].split("|") if stored else []))
        counts[tuple(values[d] for d in group_by)] += int(row[-1])
    return int(total), counts


def _count_from_facts(tx, start: date, end: date, group_by, consented_only, service) -> tuple[int, Counter]:
    where, params = _filters(consented_only, service, "consented")
    rows = tx.execute(f"SELECT {', '.join(FACT_COLUMNS)} FROM contact_facts WHERE day >= %s AND day <= %s"
                      + where, [start.isoformat(), end.isoformat()] + params).fetchall()
    counts: Counter = Counter()
    for row in rows:
        facts = dict(zip(FACT_COLUMNS, row))
        facts["month"] = facts["day"][:7]
        categories = facts["categories"].split(",") if facts["categories"] else [NONE]
        for category in categories if "category" in group_by else categories[:1]:
            counts[tuple(category if d == "category" else facts[d] for d in group_by)] += 1
    return len(rows), counts


def _sorted(rows: list[dict], group_by: list[str]) -> list[dict]:
    """Largest first, then by value, so the same data always gives the same answer."""
    return sorted(rows, key=lambda r: (-r["count"], [(r[d] is None, str(r[d])) for d in group_by]))
