"""Caseloads and case statistics, from the casework projection (projections/casework.py).

A caseload is a list of cases with what falls due on each: the next review (every
`review_months` of the service after the agreement, or after the case was opened, then on the date
the last review set), the plan's open activities, the conferences' open actions and, once the case is
closed, the follow-ups not yet recorded (`follow_up_months` after the closure). A case's due state is
"overdue" when anything is past due, "soon" when something falls due within DUE_SOON_DAYS, else "none";
overdue cases come first, then the soonest due.

The case statistics count, for a range of local days: cases opened, active (open on any day of the
range), closed (by coded reason), reviews held and reviews overdue at the end of the range, and the
children supported (children of the cases active in the range) with the outcomes recorded when their
cases closed in the range, each with its share of the children supported. Counts can be grouped by
service, source, month, worker (the case's owner) and region.

The review interval and the follow-up schedule come from the settings of the day (issue 12:
Settings.review_months(service), Settings.follow_up_months), read through `schedule_of`, with the
defaults the issue names while a deployment has none.
"""
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from projections.casework import OUTCOMES
from projections.db import Tx

PROJECTION = "casework"
DUE_SOON_DAYS = 14
DUE_STATES = ("overdue", "soon", "none")
DIMENSIONS = ("service", "source", "month", "worker", "region")
DEFAULT_REVIEW_MONTHS = 6
DEFAULT_FOLLOW_UP_MONTHS = (3, 6, 12)
NOT_CODED = "not_coded"
SELF_SUFFICIENT = "self_sufficient"
CASE_FIELDS = ("case_id", "status", "owner_user_id", "owner_username", "owner_role", "service", "source", "region",
               "opened_on", "agreement_on", "term_months", "closed_on", "reason_code", "last_review_on",
               "next_review_on", "review_escalated_on", "care_loss_level", "care_loss_on")
ITEM_FIELDS = ("item_id", "case_id", "kind", "due_on", "status", "owner_kind", "owner_user_id", "owner_username",
               "owner_role", "escalated")


@dataclass(frozen=True)
class Schedule:
    """When reviews and follow-ups fall due: months between reviews per service, months after closure."""
    review_months: Callable[[str | None], int] = lambda service: DEFAULT_REVIEW_MONTHS
    follow_up_months: tuple[int, ...] = DEFAULT_FOLLOW_UP_MONTHS


def schedule_of(settings) -> Schedule:
    """The schedule the settings configure (SENIM_REVIEW_MONTHS, SENIM_FOLLOW_UP_MONTHS), or the defaults."""
    per_service = getattr(settings, "review_months", None)
    follow_ups = getattr(settings, "follow_up_months", None)

    def review_months(service: str | None) -> int:
        if callable(per_service):
            try:
                return int(per_service(service or ""))
            except (KeyError, ValueError, TypeError):
                return DEFAULT_REVIEW_MONTHS
        return DEFAULT_REVIEW_MONTHS

    return Schedule(review_months, tuple(follow_ups) if follow_ups else DEFAULT_FOLLOW_UP_MONTHS)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it is shorter (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def review_due_on(case: dict, schedule: Schedule,
                  last_review: tuple[str | None, str | None] | None = None) -> date | None:
    """When the case's next review falls due: the date its last review set, else review_months after the
    agreement (or the opening). last_review: (held_on, next_review_on) of the last review to count."""
    held, next_on = last_review if last_review is not None else (case["last_review_on"], case["next_review_on"])
    months = schedule.review_months(case["service"])
    if held:
        return parse_day(next_on) or add_months(date.fromisoformat(held), months)
    return add_months(date.fromisoformat(case["agreement_on"] or case["opened_on"]), months)


def due_state(days: Iterable[date | None], today: date) -> str:
    found = [day for day in days if day is not None]
    if any(day < today for day in found):
        return "overdue"
    if any(day <= today + timedelta(days=DUE_SOON_DAYS) for day in found):
        return "soon"
    return "none"


# -- reading the tables --------------------------------------------------------------------------------
def _cases(tx: Tx, where: str = "", params: tuple = ()) -> list[dict]:
    rows = tx.execute(f"SELECT {', '.join(CASE_FIELDS)} FROM casework_cases {where}", params).fetchall()
    return [dict(zip(CASE_FIELDS, row)) for row in rows]


def _open_items(tx: Tx) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    rows = tx.execute(f"SELECT {', '.join(ITEM_FIELDS)} FROM casework_items WHERE status = 'open' "
                      "ORDER BY due_on, item_id").fetchall()
    for row in rows:
        item = dict(zip(ITEM_FIELDS, row))
        found[item["case_id"]].append(item)
    return found


def _follow_ups_done(tx: Tx) -> dict[str, set[int]]:
    done: dict[str, set[int]] = defaultdict(set)
    for case_id, months in tx.execute("SELECT case_id, due_months FROM casework_follow_ups").fetchall():
        done[case_id].add(int(months))
    return done


def _workers(tx: Tx) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for case_id, user_id, username, role, via in tx.execute(
            "SELECT case_id, user_id, username, role, via FROM casework_workers ORDER BY via DESC, username").fetchall():
        found[case_id].append({"user_id": user_id, "username": username, "role": role, "via": via})
    return found


# -- caseloads -----------------------------------------------------------------------------------------
def _item_view(item: dict, today: date) -> dict:
    due_on = parse_day(item["due_on"])
    staff = item["owner_kind"] == "staff"
    return {"id": item["item_id"], "due_on": item["due_on"], "overdue": bool(due_on and due_on < today),
            "escalated": bool(item["escalated"]),
            "responsible": ({"kind": "staff", "user_id": item["owner_user_id"], "username": item["owner_username"],
                             "role": item["owner_role"]} if staff else {"kind": item["owner_kind"]})}


def case_row(case: dict, items: list[dict], done_follow_ups: set[int], workers: list[dict], schedule: Schedule,
             today: date) -> dict:
    """One case of a caseload: what falls due on it, and its due state."""
    closed = case["status"] == "closed"
    review_on = None if closed else review_due_on(case, schedule)
    follow_ups = []
    if closed and case["closed_on"]:
        closed_on = date.fromisoformat(case["closed_on"])
        for months in schedule.follow_up_months:
            if months not in done_follow_ups:
                due_on = add_months(closed_on, months)
                follow_ups.append({"due_months": months, "due_on": due_on.isoformat(), "overdue": due_on < today})
    activities = [_item_view(item, today) for item in items if item["kind"] == "activity"]
    actions = [_item_view(item, today) for item in items if item["kind"] == "action"]
    days = [review_on, *(parse_day(entry["due_on"]) for entry in [*activities, *actions, *follow_ups])]
    dated = sorted(day for day in days if day is not None)
    return {
        "case_id": case["case_id"], "status": case["status"], "service": case["service"], "source": case["source"],
        "region": case["region"], "opened_on": case["opened_on"], "agreement_on": case["agreement_on"],
        "closed_on": case["closed_on"], "care_loss_level": case["care_loss_level"],
        "owner": {"user_id": case["owner_user_id"], "username": case["owner_username"], "role": case["owner_role"]},
        "workers": [worker for worker in workers if worker["via"] != "owner"],
        "next_review_on": review_on.isoformat() if review_on else None,
        "review_overdue": bool(review_on and review_on < today),
        "activities": activities, "actions": actions, "follow_ups": follow_ups,
        "overdue_items": sum(1 for day in dated if day < today),
        "next_due_on": dated[0].isoformat() if dated else None,
        "due": due_state(dated, today),
    }


def _is_on_caseload(case: dict, row: dict) -> bool:
    """Open cases, and closed ones while a follow-up is still to be recorded."""
    return case["status"] != "closed" or bool(row["follow_ups"])


def caseload(tx: Tx, *, schedule: Schedule, today: date, worker_id: str | None = None, service: str | None = None,
             due: str | None = None) -> list[dict]:
    """The cases on a caseload (worker_id: the cases the worker works, as owner or added to it, or holds an
    open activity or action of; None: every worker's), overdue first, then the soonest due."""
    where, params = [], []
    if worker_id:
        where.append("(case_id IN (SELECT case_id FROM casework_workers WHERE user_id = %s) OR case_id IN "
                     "(SELECT case_id FROM casework_items WHERE owner_user_id = %s AND status = 'open'))")
        params += [str(worker_id), str(worker_id)]
    if service:
        where.append("service = %s")
        params.append(service)
    cases = _cases(tx, f"WHERE {' AND '.join(where)}" if where else "", tuple(params))
    items, done, workers = _open_items(tx), _follow_ups_done(tx), _workers(tx)
    rows = []
    for case in cases:
        row = case_row(case, items.get(case["case_id"], []), done.get(case["case_id"], set()),
                       workers.get(case["case_id"], []), schedule, today)
        if _is_on_caseload(case, row) and (due is None or row["due"] == due):
            rows.append(row)
    rank = {state: n for n, state in enumerate(DUE_STATES)}
    return sorted(rows, key=lambda row: (rank[row["due"]], row["next_due_on"] or "9999", row["opened_on"],
                                         row["case_id"]))


def escalated_items(tx: Tx, today: date) -> list[dict]:
    """Reviews and activities the sweep escalated (Plan.OverdueEscalated) that are still not done, most
    overdue first: what a supervisor follows up."""
    rows = []
    for case in _cases(tx, "WHERE review_escalated_on IS NOT NULL AND status != 'closed'"):
        if case["last_review_on"] and case["last_review_on"] >= case["review_escalated_on"]:
            continue  # held since, late
        rows.append({"case_id": case["case_id"], "item": "review", "item_id": None,
                     "due_on": case["review_escalated_on"], "service": case["service"],
                     "responsible": {"kind": "staff", "user_id": case["owner_user_id"],
                                     "username": case["owner_username"], "role": case["owner_role"]}})
    found = tx.execute("SELECT i.item_id, i.case_id, i.due_on, i.owner_kind, i.owner_user_id, i.owner_username, "
                       "i.owner_role, c.service FROM casework_items i JOIN casework_cases c ON c.case_id = i.case_id "
                       "WHERE i.escalated = 1 AND i.status = 'open' AND i.kind = 'activity'").fetchall()
    for item_id, case_id, due_on, kind, user_id, username, role, service in found:
        rows.append({"case_id": case_id, "item": "activity", "item_id": item_id, "due_on": due_on, "service": service,
                     "responsible": ({"kind": "staff", "user_id": user_id, "username": username, "role": role}
                                     if kind == "staff" else {"kind": kind})})
    for row in rows:
        row["days_overdue"] = max((today - date.fromisoformat(row["due_on"])).days, 0) if row["due_on"] else 0
    return sorted(rows, key=lambda row: (-row["days_overdue"], row["case_id"], row["item_id"] or ""))


def worker_ids(tx: Tx) -> list[dict]:
    """Every member of staff who works a case or holds an item of one, for the supervisor's filter."""
    rows = tx.execute("SELECT DISTINCT user_id, username FROM casework_workers UNION "
                      "SELECT DISTINCT owner_user_id, owner_username FROM casework_items "
                      "WHERE owner_user_id IS NOT NULL").fetchall()
    seen: dict[str, str] = {}
    for user_id, username in rows:
        seen.setdefault(user_id, username or user_id)
    return [{"user_id": user_id, "username": name} for user_id, name in sorted(seen.items(), key=lambda kv: kv[1])]


# -- case statistics -----------------------------------------------------------------------------------
COUNTED = ("opened", "active", "closed", "self_sufficient", "reviews_done", "reviews_overdue", "children_supported",
           *OUTCOMES)
SHARES = {"self_sufficient": "closed", **{outcome: "children_supported" for outcome in OUTCOMES}}


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)

    def figures(self) -> dict:
        figures: dict = {name: self.counts[name] for name in COUNTED}
        for name, base in SHARES.items():
            figures[f"{name}_share"] = round(self.counts[name] / self.counts[base], 4) if self.counts[base] else None
        figures["closed_by_reason"] = dict(sorted(self.reasons.items()))
        return figures


def months_between(first: date, last: date) -> list[str]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day.isoformat()[:7])
        day = add_months(day, 1)
    return months


def active_months(case: dict, date_from: date, date_to: date) -> list[str]:
    """The months of the range in which the case was open on at least one day."""
    start = max(date.fromisoformat(case["opened_on"]), date_from)
    end = min(parse_day(case["closed_on"]) or date_to, date_to)
    return months_between(start, end) if start <= end else []


def case_figures(tx: Tx, *, schedule: Schedule, today: date, date_from: date, date_to: date,
                 group_by: list[str]) -> dict:
    """{"total": cases active, "figures": {…}, "rows": [{dimension: value, …, "count": active, …figures}]}."""
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:  # callers validate first
        raise ValueError(f"Unknown dimensions: {unknown}")
    first, last = date_from.isoformat(), date_to.isoformat()
    cases = {case["case_id"]: case for case in _cases(
        tx, "WHERE opened_on <= %s AND (closed_on IS NULL OR closed_on >= %s)", (last, first))}
    whole: Tally = Tally()
    groups: dict[tuple, Tally] = defaultdict(Tally)

    def bump(case: dict, month: str | None, name: str, amount: int = 1, *, reason: str | None = None,
             whole_too: bool = True) -> None:
        """Counts into the case's group (its dimensions, `month` for the month) and into the whole."""
        values = {"service": case["service"], "source": case["source"], "region": case["region"],
                  "worker": case["owner_username"], "month": month}
        tallies = [groups[tuple(values[d] for d in group_by)]] if group_by else []
        for tally in tallies + ([whole] if whole_too else []):
            if reason is not None:
                tally.reasons[reason] += amount
            else:
                tally.counts[name] += amount

    children = _children(tx, list(cases))
    reviews = _reviews_until(tx, list(cases), last)
    cut = min(date_to, today)
    for case_id, case in cases.items():
        kids = children.get(case_id, [])
        supported = sum(1 for kid in kids if kid["added_on"] <= last)
        if "month" in group_by:  # in every month it was open; once in the whole
            for month in active_months(case, date_from, date_to):
                month_end = min(add_months(date.fromisoformat(month + "-01"), 1) - timedelta(days=1), date_to)
                bump(case, month, "active", whole_too=False)
                bump(case, month, "children_supported", sum(1 for kid in kids if kid["added_on"] <= month_end.isoformat()),
                     whole_too=False)
            whole.counts["active"] += 1
            whole.counts["children_supported"] += supported
        else:
            bump(case, None, "active")
            bump(case, None, "children_supported", supported)
        if first <= case["opened_on"] <= last:
            bump(case, case["opened_on"][:7], "opened")
        if case["closed_on"] and first <= case["closed_on"] <= last:
            month = case["closed_on"][:7]
            bump(case, month, "closed")
            bump(case, month, "", reason=case["reason_code"] or NOT_CODED)
            if case["reason_code"] == SELF_SUFFICIENT:
                bump(case, month, "self_sufficient")
            for outcome in OUTCOMES:
                bump(case, month, outcome, sum(1 for kid in kids if kid[outcome] == "yes"))
        for held_on, _next in reviews.get(case_id, []):
            if held_on and first <= held_on <= last:
                bump(case, held_on[:7], "reviews_done")
        overdue_on = _overdue_review(case, reviews.get(case_id, []), schedule, cut)
        if overdue_on is not None:
            bump(case, max(overdue_on, date_from).isoformat()[:7], "reviews_overdue")
    rows = [dict(zip(group_by, key)) | {"count": tally.counts["active"]} | tally.figures()
            for key, tally in groups.items()] if group_by else []
    rows.sort(key=lambda row: (-row["count"], [(row[d] is None, str(row[d])) for d in group_by]))
    return {"total": whole.counts["active"], "figures": whole.figures(), "rows": rows}


def _overdue_review(case: dict, reviews: list[tuple[str | None, str | None]], schedule: Schedule, cut: date) -> date | None:
    """The due date of the review the case had missed by `cut` (open then, not closed by then), if any."""
    if case["opened_on"] > cut.isoformat() or (case["closed_on"] and case["closed_on"] <= cut.isoformat()):
        return None
    held = [review for review in reviews if review[0] and review[0] <= cut.isoformat()]
    due_on = review_due_on(case, schedule, held[-1] if held else (None, None))
    return due_on if due_on is not None and due_on < cut else None


def _in_chunks(tx: Tx, statement: str, ids: list[str], extra: tuple = ()) -> list[tuple]:
    rows: list[tuple] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows += tx.execute(statement.format(ids=", ".join(["%s"] * len(chunk))), (*chunk, *extra)).fetchall()
    return rows


def _children(tx: Tx, case_ids: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    columns = ("case_id", "person_id", "added_on", *OUTCOMES)
    for row in _in_chunks(tx, f"SELECT {', '.join(columns)} FROM casework_children WHERE child = 1 "
                              "AND case_id IN ({ids})", case_ids):
        child = dict(zip(columns, row))
        found[child["case_id"]].append(child)
    return found


def _reviews_until(tx: Tx, case_ids: list[str], last: str) -> dict[str, list[tuple[str | None, str | None]]]:
    found: dict[str, list[tuple[str | None, str | None]]] = defaultdict(list)
    for case_id, held_on, next_on in _in_chunks(
            tx, "SELECT case_id, held_on, next_review_on FROM casework_reviews WHERE case_id IN ({ids}) "
                "AND held_on <= %s ORDER BY held_on, review_id", case_ids, (last,)):
        found[case_id].append((held_on, next_on))
    return found
