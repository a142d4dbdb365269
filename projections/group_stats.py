"""Group programmes and trainings: the lists staff read, and the facts their statistics count.

Tables (ids, codes, numbers and days only: no name, place, link or topic):
- group_programmes: every programme defined (its current version);
- group_list: a row per group (its programme, kind, facilitators' user ids, capacity, seats taken, status);
- group_participant_facts: a row per participant of a group. Its day is the local day of the group's first
  planned session: a report's period counts the groups that started in it. `person_key` is the person of
  the case, or the participant recorded for the group only: the same person in two groups is one person;
- group_attendance: hours per participant and session (recorded again: replaced);
- group_session_facts: a row per session held, by the day it was held;
- training_facts and training_participant_facts: trainings by the day held, their participants.

Counting (count_groups): participants are distinct persons; a person in two programmes counts once under
each and once in the total; a person of several social statuses counts once under each (so that row
adds up to more than the total, as SEED-TABLES T3 prints). Sex, age, region and settlement of a person
are those of their latest enrolment in the range. Ages are banded by the asker's bands.
"""
from collections import defaultdict
from datetime import date, datetime
from functools import singledispatchmethod

from domain.group import Group, Programme
from domain.training import Training
from projections.base import Projection
from projections.db import Tx
from projections.facts import create_facts_table, day_and_month, in_range

DIMENSIONS = ("programme", "programme_kind", "sex", "social_status", "age_band", "region", "settlement", "status")
TRAINING_DIMENSIONS = ("kind", "audience", "month")
NONE = ""
PARTICIPANT_COLUMNS = ("participant_id", "day", "month", "group_id", "programme", "programme_kind", "person_key",
                       "sex", "age", "statuses", "region", "settlement", "status", "enrolled_at")
GROUP_COLUMNS = ("group_id", "day", "month", "programme_id", "programme_kind", "facilitators", "capacity",
                 "seats", "sessions_planned", "sessions_held", "status")


class GroupStatsProjection(Projection):
    name = "group_stats"
    version = 1
    tables = ("group_programmes", "group_list", "group_participant_facts", "group_attendance",
              "group_session_facts", "training_facts", "training_participant_facts")

    def create_tables(self, tx: Tx) -> None:
        create_facts_table(tx, "group_programmes", "programme_id",
                           "key TEXT NOT NULL, kind TEXT NOT NULL, version INTEGER NOT NULL")
        create_facts_table(tx, "group_list", "group_id",
                           "programme_id TEXT NOT NULL, programme_kind TEXT NOT NULL, facilitators TEXT NOT NULL, "
                           "capacity INTEGER NOT NULL, seats INTEGER NOT NULL, sessions_planned INTEGER NOT NULL, "
                           "sessions_held INTEGER NOT NULL, status TEXT NOT NULL")
        create_facts_table(tx, "group_participant_facts", "participant_id",
                           "group_id TEXT NOT NULL, programme TEXT NOT NULL, programme_kind TEXT NOT NULL, "
                           "person_key TEXT NOT NULL, sex TEXT NOT NULL, age INTEGER, statuses TEXT NOT NULL, "
                           "region TEXT NOT NULL, settlement TEXT NOT NULL, status TEXT NOT NULL, "
                           "enrolled_at TEXT NOT NULL")
        tx.execute("CREATE INDEX IF NOT EXISTS group_participant_facts_by_group ON group_participant_facts (group_id)")
        tx.execute("CREATE TABLE IF NOT EXISTS group_attendance (attendance_key TEXT PRIMARY KEY, "
                   "participant_id TEXT NOT NULL, number INTEGER NOT NULL, hours REAL NOT NULL)")
        tx.execute("CREATE INDEX IF NOT EXISTS group_attendance_by_participant ON group_attendance (participant_id)")
        create_facts_table(tx, "group_session_facts", "session_key",
                           "group_id TEXT NOT NULL, programme TEXT NOT NULL, hours REAL NOT NULL")
        create_facts_table(tx, "training_facts", "training_id",
                           "kind TEXT NOT NULL, audience TEXT NOT NULL, regions TEXT NOT NULL")
        create_facts_table(tx, "training_participant_facts", "participant_id",
                           "training_id TEXT NOT NULL, kind TEXT NOT NULL, audience TEXT NOT NULL, "
                           "region TEXT NOT NULL")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change groups or trainings."""

    @handle.register(Programme.Defined)
    @handle.register(Programme.Revised)
    def _(self, event, tx: Tx) -> None:
        definition = event.definition
        tx.execute("DELETE FROM group_programmes WHERE programme_id = %s", (str(event.originator_id),))
        tx.execute("INSERT INTO group_programmes (programme_id, day, month, key, kind, version) "
                   "VALUES (%s, %s, %s, %s, %s, %s)",
                   (str(event.originator_id), *day_and_month(event.at), definition.get("key") or NONE,
                    definition["kind"], definition["version"]))

    @handle.register
    def _(self, event: Group.Planned, tx: Tx) -> None:
        first = datetime.fromisoformat(event.timetable[0]["starts_at"]) if event.timetable else event.at
        facilitators = ",".join(dict.fromkeys(
            str(member.get("user_id")) for member in [*event.facilitators, event.actor] if member.get("user_id")))
        tx.insert_new("group_list", GROUP_COLUMNS,
                      (str(event.originator_id), *day_and_month(first), str(event.programme_id),
                       event.programme["kind"], f",{facilitators},", event.capacity, 0, len(event.timetable), 0,
                       "open"), key="group_id")

    @handle.register
    def _(self, event: Group.ParticipantEnrolled, tx: Tx) -> None:
        row = tx.execute("SELECT day, month, programme_id, programme_kind FROM group_list WHERE group_id = %s",
                         (str(event.originator_id),)).fetchone()
        if row is None:
            return
        details = event.details
        person_key = str(event.person_id or event.participant_id)
        tx.insert_new("group_participant_facts", PARTICIPANT_COLUMNS, (
            str(event.participant_id), row[0], row[1], str(event.originator_id), row[2], row[3], person_key,
            details.get("sex") or NONE, details.get("age"), ",".join(details.get("social_statuses") or ()),
            details.get("region") or NONE, details.get("settlement") or NONE, "enrolled", event.at.isoformat()),
            key="participant_id")
        self._seats(tx, str(event.originator_id))

    def _seats(self, tx: Tx, group_id: str) -> None:
        tx.execute("UPDATE group_list SET seats = (SELECT COUNT(*) FROM group_participant_facts "
                   "WHERE group_id = %s AND status <> 'dropped_out') WHERE group_id = %s", (group_id, group_id))

    @handle.register
    def _(self, event: Group.ParticipantCompleted, tx: Tx) -> None:
        tx.execute("UPDATE group_participant_facts SET status = 'completed' WHERE participant_id = %s",
                   (str(event.participant_id),))

    @handle.register
    def _(self, event: Group.ParticipantDroppedOut, tx: Tx) -> None:
        tx.execute("UPDATE group_participant_facts SET status = 'dropped_out' WHERE participant_id = %s",
                   (str(event.participant_id),))
        self._seats(tx, str(event.originator_id))

    @handle.register
    def _(self, event: Group.SessionHeld, tx: Tx) -> None:
        programme = tx.scalar("SELECT programme_id FROM group_list WHERE group_id = %s", (str(event.originator_id),),
                              NONE)
        day = date.fromisoformat(event.held_on)
        tx.insert_new("group_session_facts", ("session_key", "day", "month", "group_id", "programme", "hours"),
                      (f"{event.originator_id}:{event.number}", day.isoformat(), day.strftime("%Y-%m"),
                       str(event.originator_id), programme, event.hours), key="session_key")
        tx.execute("UPDATE group_list SET sessions_held = sessions_held + 1 WHERE group_id = %s",
                   (str(event.originator_id),))

    @handle.register
    def _(self, event: Group.AttendanceRecorded, tx: Tx) -> None:
        for row in event.attendance:
            tx.execute("INSERT INTO group_attendance (attendance_key, participant_id, number, hours) "
                       "VALUES (%s, %s, %s, %s) ON CONFLICT (attendance_key) DO UPDATE SET hours = excluded.hours",
                       (f"{row['participant_id']}:{event.number}", str(row["participant_id"]), event.number,
                        float(row["hours"])))

    @handle.register
    def _(self, event: Group.Finished, tx: Tx) -> None:
        tx.execute("UPDATE group_list SET status = 'finished' WHERE group_id = %s", (str(event.originator_id),))

    @handle.register
    def _(self, event: Training.Recorded, tx: Tx) -> None:
        day = date.fromisoformat(event.held_on)
        tx.insert_new("training_facts", ("training_id", "day", "month", "kind", "audience", "regions"),
                      (str(event.originator_id), day.isoformat(), day.strftime("%Y-%m"), event.kind, event.audience,
                       ",".join(event.regions)), key="training_id")

    @handle.register
    def _(self, event: Training.ParticipantAdded, tx: Tx) -> None:
        row = tx.execute("SELECT day, month, kind, audience FROM training_facts WHERE training_id = %s",
                         (str(event.originator_id),)).fetchone()
        if row is None:
            return
        tx.insert_new("training_participant_facts",
                      ("participant_id", "day", "month", "training_id", "kind", "audience", "region"),
                      (str(event.participant_id), row[0], row[1], str(event.originator_id), row[2], row[3],
                       event.region or NONE), key="participant_id")


# Age bands -----------------------------------------------------------------------------------------

def parse_age_bands(text: str | None) -> list[tuple[int, int | None]]:
    """"13-16,17-22,59-" → [(13, 16), (17, 22), (59, None)]; ValueError when not ascending and disjoint."""
    if not text:
        return []
    bands: list[tuple[int, int | None]] = []
    for part in text.split(","):
        low_text, dash, high_text = part.strip().partition("-")
        if not dash or not low_text.isdigit() or (high_text and not high_text.isdigit()):
            raise ValueError(part)
        low, high = int(low_text), int(high_text) if high_text else None
        if (high is not None and high < low) or (bands and (bands[-1][1] is None or low <= bands[-1][1])):
            raise ValueError(part)
        if low > 150 or (high or 0) > 150:
            raise ValueError(part)
        bands.append((low, high))
    if len(bands) > 30:
        raise ValueError(text)
    return bands


def band_of(age: int | None, bands: list[tuple[int, int | None]]) -> str:
    if age is None:
        return NONE
    for low, high in bands:
        if low <= age and (high is None or age <= high):
            return f"{low}-{high if high is not None else ''}"
    return NONE


# Counts --------------------------------------------------------------------------------------------

def count_groups(tx: Tx, *, date_from: date, date_to: date, group_by: list[str], age_bands=(),
                 programme: str | None = None) -> dict:
    """{"total": distinct persons, "rows": [{dim: value, …, "count": persons}], "enrolments", "completed",
    "dropped_out", "hours", "sessions_held", "session_hours", "groups", "trainings": {…}} for the range."""
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"Unknown dimensions: {unknown}")
    where, params = in_range(date_from, date_to)
    if programme:
        where, params = where + " AND programme = %s", params + [programme]
    columns = ", ".join(PARTICIPANT_COLUMNS)
    participants = [dict(zip(PARTICIPANT_COLUMNS, row)) for row in tx.execute(
        f"SELECT {columns} FROM group_participant_facts WHERE {where} ORDER BY enrolled_at", params).fetchall()]
    joined = "p.day >= %s AND p.day <= %s" + (" AND p.programme = %s" if programme else "")
    hours = dict(tx.execute(
        "SELECT a.participant_id, SUM(a.hours) FROM group_attendance a JOIN group_participant_facts p "
        f"ON p.participant_id = a.participant_id WHERE {joined} GROUP BY a.participant_id", params).fetchall())
    latest = {row["person_key"]: row for row in participants}  # in order of enrolment: the latest wins
    cells: dict[tuple, set] = defaultdict(set)
    for row in participants:
        person = latest[row["person_key"]]
        values = {"programme": [row["programme"]], "programme_kind": [row["programme_kind"]],
                  "status": [row["status"]], "sex": [person["sex"]],
                  "social_status": person["statuses"].split(",") if person["statuses"] else [NONE],
                  "age_band": [band_of(person["age"], list(age_bands))], "region": [person["region"]],
                  "settlement": [person["settlement"]]}
        keys: list[tuple] = [()]
        for dimension in group_by:
            keys = [key + (value,) for key in keys for value in values[dimension]]
        for key in keys:
            cells[key].add(row["person_key"])
    rows = [dict(zip(group_by, key)) | {"count": len(persons)} for key, persons in cells.items()] if group_by else []
    rows.sort(key=lambda r: (-r["count"], [str(r[d]) for d in group_by]))
    session_where, session_params = in_range(date_from, date_to)
    if programme:
        session_where, session_params = session_where + " AND programme = %s", session_params + [programme]
    held, session_hours = tx.execute(f"SELECT COUNT(*), COALESCE(SUM(hours), 0) FROM group_session_facts "
                                     f"WHERE {session_where}", session_params).fetchone() or (0, 0)
    return {
        "total": len(latest), "rows": rows, "enrolments": len(participants),
        "completed": sum(1 for row in participants if row["status"] == "completed"),
        "dropped_out": sum(1 for row in participants if row["status"] == "dropped_out"),
        "hours": round(float(sum(hours.values())), 2),
        "groups": len({row["group_id"] for row in participants}),
        "sessions_held": int(held), "session_hours": round(float(session_hours), 2),
        "trainings": count_trainings(tx, date_from=date_from, date_to=date_to),
    }


def count_trainings(tx: Tx, *, date_from: date, date_to: date) -> dict:
    """Trainings held in the range: events, participants (records), regions covered (distinct, with the
    participants' own), per kind and audience too."""
    where, params = in_range(date_from, date_to)
    trainings = tx.execute(f"SELECT training_id, kind, audience, regions FROM training_facts WHERE {where}",
                           params).fetchall()
    people = tx.execute(f"SELECT training_id, region FROM training_participant_facts WHERE {where}", params).fetchall()
    per_training: dict[str, list[str]] = defaultdict(list)
    for training_id, region in people:
        per_training[training_id].append(region)
    groups: dict[tuple, dict] = {}

    def add(key: tuple, training) -> None:
        cell = groups.setdefault(key, {"events": 0, "participants": 0, "regions": set()})
        cell["events"] += 1
        cell["participants"] += len(per_training[training[0]])
        cell["regions"].update(region for region in training[3].split(",") if region)
        cell["regions"].update(region for region in per_training[training[0]] if region)

    for training in trainings:
        add((), training)
        add((training[1], training[2]), training)
    total = groups.get((), {"events": 0, "participants": 0, "regions": set()})
    rows = [{"kind": key[0], "audience": key[1], "events": cell["events"], "participants": cell["participants"],
             "regions": len(cell["regions"])} for key, cell in groups.items() if key]
    rows.sort(key=lambda r: (-r["participants"], r["kind"], r["audience"]))
    return {"events": total["events"], "participants": total["participants"], "regions": len(total["regions"]),
            "rows": rows}


# Lists ---------------------------------------------------------------------------------------------

def programme_ids(tx: Tx) -> list[str]:
    return [row[0] for row in tx.execute("SELECT programme_id FROM group_programmes ORDER BY day, programme_id")
            .fetchall()]


def group_list(tx: Tx, *, user_id: str | None, limit: int = 500) -> list[dict]:
    """Groups (all, or those whose facilitators or planner include user_id), open ones first, latest first."""
    where, params = ("", ()) if user_id is None else ("WHERE facilitators LIKE %s", (f"%,{user_id},%",))
    rows = tx.execute(f"SELECT {', '.join(GROUP_COLUMNS)} FROM group_list {where} "
                      "ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, day DESC, group_id LIMIT %s",
                      (*params, limit)).fetchall()
    found = []
    for row in rows:
        item = dict(zip(GROUP_COLUMNS, row))
        item["facilitators"] = [value for value in item["facilitators"].split(",") if value]
        found.append(item)
    return found


def training_list(tx: Tx, *, date_from: date | None = None, date_to: date | None = None,
                  limit: int = 500) -> list[dict]:
    where, params = "", []
    if date_from is not None and date_to is not None:
        where, params = "WHERE t.day >= %s AND t.day <= %s", [date_from.isoformat(), date_to.isoformat()]
    rows = tx.execute(
        "SELECT t.training_id, t.day, t.kind, t.audience, t.regions, COUNT(p.participant_id) FROM training_facts t "
        f"LEFT JOIN training_participant_facts p ON p.training_id = t.training_id {where} "
        "GROUP BY t.training_id, t.day, t.kind, t.audience, t.regions ORDER BY t.day DESC, t.training_id LIMIT %s",
        (*params, limit)).fetchall()
    return [{"training_id": row[0], "held_on": row[1], "kind": row[2], "audience": row[3],
             "regions": [code for code in row[4].split(",") if code], "participants": int(row[5])} for row in rows]
