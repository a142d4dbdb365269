"""Assessment statistics (a projection of one fact row per assessment), on SQLite and on PostgreSQL:
counted by instrument and level under the level each stands at now, by day and month, the same after a rebuild."""
from datetime import timedelta

import pytest

from domain import instruments
from domain.actor import Actor
from domain.clock import local, utc_now
from projections.assessment_stats import count_assessments

PSYCHOLOGIST = Actor(user_id="7d1f4a52-8a3e-4c38-9d0e-2b3c4d5e6f70", username="psy", role="psychologist")
SUPERVISOR = Actor(user_id="5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", username="sup", role="supervisor")


def answers(instrument: str, yes: int = 0, **given) -> dict:
    return {item["id"]: given.get(item["id"], "yes" if n < yes else "no")
            for n, item in enumerate(instruments.get(instrument)["items"])}


def count(senim, group_by, **options) -> dict:
    senim.projections.catch_up("assessment_stats")
    today = local(utc_now()).date()
    options.setdefault("date_from", today)
    options.setdefault("date_to", today)
    with senim.views.transaction(write=False) as tx:
        result = count_assessments(tx, group_by=group_by, **options)
    return {tuple(row[d] for d in group_by): row["count"] for row in result["rows"]} | {"total": result["total"]}


@pytest.fixture
def assessed(senim):
    record = senim.assessments.record
    ids = {
        "standard": record({"instrument": "victim_risk", "answers": answers("victim_risk", 2)}, actor=PSYCHOLOGIST).id,
        "medium": record({"instrument": "victim_risk", "answers": answers("victim_risk", 12)}, actor=PSYCHOLOGIST).id,
        "high": record({"instrument": "victim_risk", "answers": answers("victim_risk", 20)}, actor=PSYCHOLOGIST).id,
        "confirmed": record({"instrument": "aggressor_status",
                             "answers": answers("aggressor_status", physical_violence="yes")}, actor=PSYCHOLOGIST).id,
        "odara": record({"instrument": "odara", "answers": answers("odara", 5)}, actor=PSYCHOLOGIST).id,
    }
    return ids


def test_assessments_are_counted_by_instrument_and_level(senim, assessed):
    assert count(senim, ["instrument", "level"]) == {
        ("victim_risk", "standard"): 1, ("victim_risk", "medium"): 1, ("victim_risk", "high"): 1,
        ("aggressor_status", "confirmed"): 1, ("odara", "5-6"): 1, "total": 5}
    assert count(senim, ["level"], instrument="victim_risk") == {
        ("standard",): 1, ("medium",): 1, ("high",): 1, "total": 3}
    month = local(utc_now()).strftime("%Y-%m")
    assert count(senim, ["month", "subject_role"]) == {(month, "victim"): 3, (month, "aggressor"): 2, "total": 5}


def test_an_override_moves_the_assessment_to_its_new_level_once(senim, assessed):
    senim.assessments.override(assessed["medium"], level="high", reason="Угрозы убийством.", actor=PSYCHOLOGIST)
    senim.assessments.override(assessed["high"], level="standard", reason="Ошибка ввода.", actor=SUPERVISOR)
    assert count(senim, ["level"], instrument="victim_risk") == {("standard",): 2, ("high",): 1, "total": 3}


def test_a_rebuild_counts_the_same(senim, assessed):
    senim.assessments.override(assessed["standard"], level="medium", reason="Новые сведения.", actor=PSYCHOLOGIST)
    before = count(senim, ["instrument", "level", "day"])
    senim.projections.rebuild("assessment_stats")
    assert count(senim, ["instrument", "level", "day"]) == before
    assert sum(n for key, n in before.items() if key != "total") == before["total"] == 5


def test_days_outside_the_range_are_not_counted(senim, assessed):
    today = local(utc_now()).date()
    assert count(senim, [], date_from=today - timedelta(days=400), date_to=today - timedelta(days=1)) == {"total": 0}
    assert count(senim, [], date_from=today, date_to=today + timedelta(days=30))["total"] == 5


def test_an_unknown_dimension_is_refused(senim):
    today = local(utc_now()).date()
    with senim.views.transaction(write=False) as tx, pytest.raises(ValueError):
        count_assessments(tx, date_from=today, date_to=today, group_by=["level; DROP TABLE x"])


def test_the_api_gives_supervisors_the_risk_levels_of_a_range(client, senim, assessed, make_user):
    _, headers = make_user("supervisor")
    today = local(utc_now()).date().isoformat()
    response = client.get("/api/v1/stats/assessments", headers=headers, query_string={
        "from": today, "to": today, "group_by": "level", "instrument": "victim_risk",
        "min_position": senim.store.head()})
    assert response.status_code == 200, response.json
    assert response.json["total"] == 3
    assert sorted((row["level"], row["count"]) for row in response.json["rows"]) == [
        ("high", 1), ("medium", 1), ("standard", 1)]


@pytest.mark.parametrize("query, field", [
    ({"group_by": "colour"}, "group_by"), ({"instrument": "horoscope"}, "instrument"),
    ({"from": "2026-13-01"}, "from")])
def test_odd_queries_of_the_assessment_statistics_are_422(client, make_user, query, field):
    _, headers = make_user("supervisor")
    response = client.get("/api/v1/stats/assessments", headers=headers, query_string=query)
    assert response.status_code == 422
    assert any(name.startswith(field) for name in response.json["errors"]), response.json
