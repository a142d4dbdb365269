"""What the retention job may shred, and from when: data subjects with the moment their rule counts from.

Tables (ids, codes and moments only: this projection reads no personal field):
- retention_subjects: one row per record that has a data subject of its own. `record_id` is what
  the row stands for (a case, a person of a case, a contact), `subject_id` whose key seals its
  personal fields (domain/personal.py): the case itself, the case's person, the contact's
  caller.person_id (NULL for a contact recorded before callers had ids, until a correction gives
  it one). `case_id`: the case the record belongs to now (a contact can be amended into or out of
  one). For contacts also `contact_type` and `started_at`.
- retention_cases: closed_at of each case while it is closed (NULL while open or reopened).

The periods are not applied here but when the job asks (due_subjects), so a changed configuration
applies to what was recorded before. Whether a subject was erased already is not kept here either:
the job asks the keyring's person_keys table (the same database), which knows it at once.
"""
from functools import singledispatchmethod

from domain.case import Case
from domain.clock import utc_text
from domain.contact import Contact
from domain.ids import id_text
from domain.retention import CLOSED_CASES, NON_DATA_CONTACTS
from projections.base import Projection
from projections.db import Tx

SUBJECT_COLUMNS = ("record_id", "subject_id", "kind", "case_id", "contact_type", "started_at")
CASE_COLUMNS = ("case_id", "closed_at")


class RetentionProjection(Projection):
    name = "retention"
    version = 1
    tables = ("retention_subjects", "retention_cases")

    def __init__(self) -> None:
        self._subjects: dict[str, dict] = {}
        self._cases: dict[str, str | None] = {}

    def create_tables(self, tx: Tx) -> None:
        tx.execute("""CREATE TABLE IF NOT EXISTS retention_subjects (
            record_id TEXT PRIMARY KEY, subject_id TEXT, kind TEXT NOT NULL, case_id TEXT,
            contact_type TEXT, started_at TEXT)""")
        tx.execute("CREATE INDEX IF NOT EXISTS retention_subjects_by_case ON retention_subjects (case_id)")
        tx.execute("CREATE INDEX IF NOT EXISTS retention_subjects_by_type "
                   "ON retention_subjects (contact_type, started_at)")
        tx.execute("CREATE TABLE IF NOT EXISTS retention_cases (case_id TEXT PRIMARY KEY, closed_at TEXT)")
        tx.execute("CREATE INDEX IF NOT EXISTS retention_cases_by_closing ON retention_cases (closed_at)")

    def start_batch(self, tx: Tx) -> None:
        self._subjects, self._cases = {}, {}

    def finish_batch(self, tx: Tx) -> None:
        tx.merge_rows("retention_subjects", SUBJECT_COLUMNS,
                      [tuple(row[column] for column in SUBJECT_COLUMNS) for row in self._subjects.values()],
                      key=("record_id",), update=", ".join(f"{c} = excluded.{c}" for c in SUBJECT_COLUMNS[1:]))
        tx.merge_rows("retention_cases", CASE_COLUMNS, list(self._cases.items()), key=("case_id",),
                      update="closed_at = excluded.closed_at")
        self._subjects, self._cases = {}, {}

    def _subject(self, record_id, subject_id, kind: str, case_id, contact_type: str | None = None,
                 started_at: str | None = None) -> None:
        self._subjects[str(record_id)] = {
            "record_id": str(record_id), "subject_id": id_text(subject_id), "kind": kind, "case_id": id_text(case_id),
            "contact_type": contact_type, "started_at": started_at}

    def _load(self, tx: Tx, record_id: str) -> dict | None:
        if record_id in self._subjects:
            return self._subjects[record_id]
        row = tx.execute(f"SELECT {', '.join(SUBJECT_COLUMNS)} FROM retention_subjects WHERE record_id = %s",
                         (record_id,)).fetchone()
        return None if row is None else dict(zip(SUBJECT_COLUMNS, row))

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events change nothing the retention rules look at."""

    @handle.register
    def _(self, event: Case.Opened, tx: Tx) -> None:
        case_id = event.originator_id
        self._subject(case_id, case_id, "case", case_id)
        self._cases[str(case_id)] = None

    @handle.register
    def _(self, event: Case.PersonAdded, tx: Tx) -> None:
        self._subject(event.person_id, event.person_id, "person", event.originator_id)

    @handle.register
    def _(self, event: Case.Closed, tx: Tx) -> None:
        self._cases[str(event.originator_id)] = utc_text(getattr(event, "at", None) or event.timestamp)

    @handle.register
    def _(self, event: Case.Reopened, tx: Tx) -> None:
        self._cases[str(event.originator_id)] = None

    @handle.register
    def _(self, event: Contact.Recorded, tx: Tx) -> None:
        self._subject(event.originator_id, (event.caller or {}).get("person_id"), "person", event.case_id,
                      event.contact_type, utc_text(event.started_at))

    @handle.register
    def _(self, event: Contact.Amended, tx: Tx) -> None:
        changes = event.changes
        subject_id = getattr(event, "subject_id", None)
        if not ({"case_id", "contact_type", "started_at"} & set(changes) or subject_id is not None):
            return
        row = self._load(tx, str(event.originator_id))
        if row is None:
            return  # a contact the log never recorded
        if "case_id" in changes:
            row["case_id"] = id_text(changes["case_id"])
        if "contact_type" in changes:
            row["contact_type"] = changes["contact_type"]
        if "started_at" in changes and changes["started_at"] is not None:
            row["started_at"] = utc_text(changes["started_at"])
        if row["subject_id"] is None and subject_id is not None:
            row["subject_id"] = str(subject_id)  # a contact recorded before callers had ids
        self._subjects[row["record_id"]] = row


# Readers ---------------------------------------------------------------------------------------

# Subjects whose key still exists: the only ones an erasure changes (an erased subject's key is gone,
# see intake/adapters/keyring.py; person_keys lives in the same database as these tables).
_LIVE = "EXISTS (SELECT 1 FROM person_keys k WHERE k.subject_id = s.subject_id)"


def _due_queries(cutoffs: dict[str, str], non_data_types: list[str]) -> list[tuple[str, str, list]]:
    """(rule, SELECT subject_id, kind, rule, since, its parameters) per enabled rule; `cutoffs`: rule → UTC text."""
    queries = []
    if CLOSED_CASES in cutoffs:
        # The case's own subject, its persons and the callers of the contacts that belong to it now.
        queries.append((CLOSED_CASES,
            f"SELECT s.subject_id, s.kind, '{CLOSED_CASES}' AS rule, c.closed_at AS since FROM retention_subjects s "
            "JOIN retention_cases c ON c.case_id = s.case_id "
            f"WHERE c.closed_at IS NOT NULL AND c.closed_at <= %s AND s.subject_id IS NOT NULL AND {_LIVE}",
            [cutoffs[CLOSED_CASES]]))
    if NON_DATA_CONTACTS in cutoffs and non_data_types:
        # A non-data contact that belongs to a case is kept as long as the case.
        marks = ", ".join(["%s"] * len(non_data_types))
        queries.append((NON_DATA_CONTACTS,
            f"SELECT s.subject_id, s.kind, '{NON_DATA_CONTACTS}' AS rule, s.started_at AS since "
            "FROM retention_subjects s "
            f"WHERE s.contact_type IN ({marks}) AND s.started_at <= %s AND s.subject_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM retention_cases c WHERE c.case_id = s.case_id) "
            f"AND {_LIVE}",
            [*non_data_types, cutoffs[NON_DATA_CONTACTS]]))
    return queries


def due_subjects(tx: Tx, cutoffs: dict[str, str], non_data_types: list[str], limit: int) -> list[dict]:
    """Subjects with a live key that a rule makes due, longest due first: subject_id, kind, rule, since."""
    queries = _due_queries(cutoffs, non_data_types)
    if not queries:
        return []
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS r{index}" for index, (_, sql, _) in enumerate(queries))
    params = [param for _, _, query_params in queries for param in query_params]
    rows = tx.execute(f"SELECT subject_id, kind, rule, since FROM ({union}) AS due "
                      "ORDER BY since, subject_id LIMIT %s", (*params, limit)).fetchall()
    seen, due = set(), []
    for subject_id, kind, rule, since in rows:
        if subject_id not in seen:  # a subject is erased once, under the first rule that makes it due
            seen.add(subject_id)
            due.append({"subject_id": subject_id, "kind": kind, "rule": rule, "since": since})
    return due


def count_due(tx: Tx, cutoffs: dict[str, str], non_data_types: list[str]) -> dict[str, int]:
    """How many subjects each rule makes due now (every one, not just one run's batch)."""
    counts = {rule: 0 for rule in cutoffs}
    for rule, sql, params in _due_queries(cutoffs, non_data_types):
        counts[rule] = tx.scalar(f"SELECT COUNT(DISTINCT subject_id) FROM ({sql}) AS due", params, 0)
    return counts
