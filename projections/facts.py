"""What the statistics projections share: one fact row per thing, found by the local day it happened.

Counts are a GROUP BY over the rows of a date range; the column names grouped by come only from
the projection's own list of dimensions, never from the request.
"""
from collections import Counter
from datetime import date, datetime

from domain.clock import local
from projections.db import Tx


def create_facts_table(tx: Tx, table: str, key: str, columns: str) -> None:
    """The table (its key, the local day and month, then `columns`) and the index every count reads."""
    tx.execute(f"CREATE TABLE IF NOT EXISTS {table} ("
               f"{key} TEXT PRIMARY KEY, day TEXT NOT NULL, month TEXT NOT NULL, {columns})")
    tx.execute(f"CREATE INDEX IF NOT EXISTS {table}_by_day ON {table} (day)")


def day_and_month(at: datetime) -> tuple[str, str]:
    """The service's local day and month of a moment, as the fact rows store them."""
    moment = local(at)
    return moment.date().isoformat(), moment.strftime("%Y-%m")


def checked_dimensions(group_by: list[str], dimensions: tuple[str, ...]) -> None:
    unknown = [d for d in group_by if d not in dimensions]
    if unknown:  # callers validate first; the column names in the SQL come only from the dimensions
        raise ValueError(f"Unknown dimensions: {unknown}")


def in_range(date_from: date, date_to: date) -> tuple[str, list]:
    """The WHERE clause and its parameters for the rows of local days date_from..date_to."""
    return "day >= %s AND day <= %s", [date_from.isoformat(), date_to.isoformat()]


def count_facts(tx: Tx, table: str, dimensions: tuple[str, ...], *, date_from: date, date_to: date,
                group_by: list[str], where: str = "", params: tuple = ()) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]} for the rows of the range (and `where`)."""
    checked_dimensions(group_by, dimensions)
    clause, values = in_range(date_from, date_to)
    clause, values = clause + where, values + list(params)
    total = int(tx.scalar(f"SELECT COUNT(*) FROM {table} WHERE {clause}", values, 0) or 0)
    counts: Counter = Counter()
    if not group_by:
        counts[()] = total
    else:
        columns = ", ".join(group_by)
        for row in tx.execute(f"SELECT {columns}, COUNT(*) FROM {table} WHERE {clause} GROUP BY {columns}",
                              values).fetchall():
            counts[tuple(row[:-1])] += int(row[-1])
    rows = [dict(zip(group_by, key)) | {"count": n} for key, n in counts.items() if n]
    return {"total": total, "rows": sorted(rows, key=lambda r: (-r["count"], [(r[d] is None, str(r[d]))
                                                                            for d in group_by]))}
