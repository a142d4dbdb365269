"""Questionnaire responses: one fact row per response, for the statistics and the analysis.

A row holds the closed answers (as JSON), the test score, the phase and participant code, what the
response evaluates and whether it came through a public link; never the free texts (they are sealed
personal data, read from the event store by supervisors only, intake/services/questionnaires.py).
"""
import json
from datetime import date
from functools import singledispatchmethod

from domain.questionnaire import QuestionnaireResponse
from projections.base import Projection
from projections.db import Tx
from projections.facts import count_facts, create_facts_table, day_and_month, in_range

DIMENSIONS = ("questionnaire", "kind", "phase", "month", "language", "about_kind", "source")
COLUMNS = ("response_id", "day", "month", "questionnaire", "version", "kind", "phase", "participant", "about_kind",
           "about_id", "language", "source", "score", "max_score", "answers", "has_text", "answered_at")


class QuestionnaireStatsProjection(Projection):
    name = "questionnaire_stats"
    version = 1
    tables = ("questionnaire_facts",)

    def create_tables(self, tx: Tx) -> None:
        create_facts_table(tx, "questionnaire_facts", "response_id", (
            "questionnaire TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL, phase TEXT, participant TEXT, "
            "about_kind TEXT NOT NULL, about_id TEXT, language TEXT, source TEXT NOT NULL, score INTEGER, "
            "max_score INTEGER, answers TEXT NOT NULL, has_text INTEGER NOT NULL, answered_at TEXT NOT NULL"))
        tx.execute("CREATE INDEX IF NOT EXISTS questionnaire_facts_by_code ON questionnaire_facts (questionnaire, day)")

    @singledispatchmethod
    def handle(self, event, tx: Tx) -> None:
        """Other events do not change questionnaire statistics."""

    @handle.register
    def _(self, event: QuestionnaireResponse.Submitted, tx: Tx) -> None:
        result = event.result or {}
        has_text = 1 if event.text_items else 0  # the texts themselves reach no projection (sealed)
        tx.insert_new("questionnaire_facts", COLUMNS, (
            str(event.originator_id), *day_and_month(event.answered_at), event.questionnaire,
            event.questionnaire_version, event.kind, event.phase, event.participant, event.about_kind, event.about_id,
            event.language, "link" if event.link_id is not None else "staff", result.get("score"),
            result.get("max_score"), json.dumps(event.answers, ensure_ascii=False, sort_keys=True), has_text,
            event.answered_at.isoformat()), key="response_id")


def count_responses(tx: Tx, *, date_from: date, date_to: date, group_by: list[str],
                    questionnaire: str | None = None, kind: str | None = None) -> dict:
    """{"total": N, "rows": [{dim: value, …, "count": n}]}: responses by the local day they were answered."""
    where, params = "", []
    for column, value in (("questionnaire", questionnaire), ("kind", kind)):
        if value:
            where += f" AND {column} = %s"
            params.append(value)
    return count_facts(tx, "questionnaire_facts", DIMENSIONS, date_from=date_from, date_to=date_to,
                       group_by=group_by, where=where, params=tuple(params))


def responses(tx: Tx, *, questionnaire: str, date_from: date, date_to: date) -> list[dict]:
    """Every response to a questionnaire answered (local day) in the range, oldest first, answers decoded."""
    where, params = in_range(date_from, date_to)
    rows = tx.execute(f"SELECT {', '.join(COLUMNS)} FROM questionnaire_facts WHERE {where} AND questionnaire = %s "
                      "ORDER BY answered_at, response_id", [*params, questionnaire]).fetchall()
    found = [dict(zip(COLUMNS, row)) for row in rows]
    for row in found:
        row["answers"] = json.loads(row["answers"])
    return found
