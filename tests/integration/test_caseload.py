"""Caseloads, case statistics, the escalated casework and the sweep, on SQLite and PostgreSQL, from casework
events written as CASEWORK.md fixes them (tests/helpers/casework_events.py).

The world, relative to today (the service's local day):
- `reviewless`: the consultant's case, taken on eight months ago and never reviewed: its review fell due two
  months ago (overdue); a conference gave the psychologist an action on it, due yesterday.
- `soon`: the psychologist's case opened a month ago, an activity of theirs due in a week.
- `reviewed`: the psychologist's case reviewed a month ago, next review in two months and ten days; its
  activity done.
- `closed`: the psychologist's case closed four months ago: the 3-month follow-up is overdue.
- `followed`: the psychologist's case closed four months ago, its 3-month follow-up recorded (due later only).
- `helpline`: the psychologist's helpline case opened a week ago: nothing due soon.
- `done`: the psychologist's case closed two years ago with every follow-up recorded: off every caseload.
"""
from datetime import date, timedelta

import pytest

from domain.clock import local, utc_now
from intake.queries.caseload import add_months
from intake.services.escalation import EscalationService
from tests.helpers.casework_events import CaseworkWriter
from tests.helpers.web import sign_in

TODAY = local(utc_now()).date()


def ago(days: int = 0, months: int = 0) -> date:
    return add_months(TODAY, -months) - timedelta(days=days)


def ahead(days: int = 0, months: int = 0) -> date:
    return add_months(TODAY, months) + timedelta(days=days)


@pytest.fixture
def world(senim, make_user, consultant, supervisor):
    psychologist, psychologist_headers = make_user("psychologist")
    writer = CaseworkWriter(senim)
    cases = {}
    cases["reviewless"], _ = writer.open_case(ago(months=8), consultant[0], children=2)
    writer.start_plan(cases["reviewless"], ago(months=8), consultant[0])
    action = writer.action(cases["reviewless"], ago(days=20), ago(days=1), psychologist, supervisor[0])
    cases["soon"], _ = writer.open_case(ago(months=1), psychologist, children=1)
    writer.start_plan(cases["soon"], ago(months=1), psychologist)
    soon_activity = writer.activity(cases["soon"], ago(days=5), ahead(days=7), psychologist, psychologist)
    cases["reviewed"], _ = writer.open_case(ago(months=7), psychologist, children=3)
    writer.start_plan(cases["reviewed"], ago(months=7), psychologist)
    done = writer.activity(cases["reviewed"], ago(months=6), ago(months=2), psychologist, psychologist)
    writer.activity_done(cases["reviewed"], done, ago(months=2, days=3), psychologist)
    writer.review(cases["reviewed"], ago(months=1), ahead(months=2, days=10), psychologist)
    cases["closed"], kids = writer.open_case(ago(months=14), psychologist, children=1)
    writer.close(cases["closed"], ago(months=4), psychologist, outcomes={kids[0]: ("yes", "no", "yes")})
    cases["followed"], _ = writer.open_case(ago(months=14), psychologist)
    writer.close(cases["followed"], ago(months=4), psychologist, reason_code="moved_away")
    writer.follow_up(cases["followed"], ago(months=1), psychologist, 3)
    cases["helpline"], _ = writer.open_case(ago(days=7), psychologist, service="helpline", source="self_referral")
    cases["done"], _ = writer.open_case(ago(months=40), psychologist)
    writer.close(cases["done"], ago(months=30), psychologist)
    for months in (3, 6, 12):
        writer.follow_up(cases["done"], ago(months=30 - months), psychologist, months)
    writer.flush()
    return {"cases": cases, "psychologist": (psychologist, psychologist_headers), "action": action,
            "activity": soon_activity, "writer": writer}


def caseload(client, headers, **query) -> list[dict]:
    response = client.get("/api/v1/caseload", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["cases"]


def names(world, rows) -> list[str]:
    by_id = {str(case_id): name for name, case_id in world["cases"].items()}
    return [by_id[row["case_id"]] for row in rows]


def test_a_workers_caseload_lists_overdue_cases_first_then_the_soonest_due(world, client):
    rows = caseload(client, world["psychologist"][1])
    assert names(world, rows) == ["reviewless", "closed", "soon", "followed", "reviewed", "helpline"]
    assert [row["due"] for row in rows] == ["overdue", "overdue", "soon", "none", "none", "none"]
    reviewless, closed, soon, followed, reviewed = rows[:5]
    assert reviewless["next_review_on"] == ago(months=2).isoformat() and reviewless["review_overdue"]
    assert [action["id"] for action in reviewless["actions"]] == [str(world["action"])]
    assert reviewless["actions"][0]["overdue"] and reviewless["overdue_items"] == 2
    assert reviewless["next_due_on"] == ago(months=2).isoformat()
    assert closed["status"] == "closed" and closed["next_review_on"] is None
    assert [(f["due_months"], f["overdue"]) for f in closed["follow_ups"]] == [(3, True), (6, False), (12, False)]
    assert soon["activities"][0]["due_on"] == ahead(days=7).isoformat()
    assert soon["activities"][0]["responsible"]["username"] == world["psychologist"][0].username
    assert reviewed["activities"] == [] and reviewed["next_review_on"] == ahead(months=2, days=10).isoformat()
    assert [f["due_months"] for f in followed["follow_ups"]] == [6, 12]


def test_a_consultant_sees_only_their_own_caseload(world, client, consultant):
    assert names(world, caseload(client, consultant[1])) == ["reviewless"]
    assert names(world, caseload(client, consultant[1], worker="me")) == ["reviewless"]
    other = client.get("/api/v1/caseload", query_string={"worker": world["psychologist"][0].user_id},
                       headers=consultant[1])
    assert other.status_code == 403


def test_a_supervisor_filters_caseloads_by_worker_service_and_due_state(world, client, supervisor, consultant):
    everyone = names(world, caseload(client, supervisor[1]))
    assert set(everyone) == set(world["cases"]) - {"done"}
    psychologist = world["psychologist"][0].user_id
    assert names(world, caseload(client, supervisor[1], worker=psychologist, service="helpline")) == ["helpline"]
    assert names(world, caseload(client, supervisor[1], worker=psychologist, due="overdue")) == ["reviewless",
                                                                                                   "closed"]
    assert names(world, caseload(client, supervisor[1], worker=consultant[0].user_id)) == ["reviewless"]
    assert names(world, caseload(client, supervisor[1], due="soon")) == ["soon"]
    assert caseload(client, supervisor[1], worker="me") == []
    for bad in ({"due": "later"}, {"service": "nothing"}, {"worker": "someone"}):
        response = client.get("/api/v1/caseload", query_string=bad, headers=supervisor[1])
        assert response.status_code == 422, bad
        assert list(response.json["errors"]) == list(bad)


def test_case_statistics_count_opened_active_closed_reviews_and_outcomes(world, client, supervisor):
    response = client.get("/api/v1/stats/cases", headers=supervisor[1], query_string={
        "from": ago(months=5).isoformat(), "to": TODAY.isoformat(), "group_by": "service"})
    assert response.status_code == 200, response.json
    figures = response.json["figures"]
    assert figures["opened"] == 2  # soon, helpline
    assert figures["active"] == response.json["total"] == 6  # all but done
    assert figures["closed"] == 2 and figures["closed_by_reason"] == {"moved_away": 1, "self_sufficient": 1}
    assert figures["self_sufficient_share"] == 0.5
    assert figures["reviews_done"] == 1
    assert figures["reviews_overdue"] == 1  # reviewless
    assert figures["children_supported"] == 7 and figures["removal_prevented"] == 1
    assert figures["removal_prevented_share"] == round(1 / 7, 4)
    by_service = {row["service"]: row for row in response.json["rows"]}
    assert by_service["helpline"]["count"] == 1 and by_service["family_service"]["count"] == 5
    bad = client.get("/api/v1/stats/cases", headers=supervisor[1], query_string={"group_by": "colour"})
    assert bad.status_code == 422 and list(bad.json["errors"]) == ["group_by.0"]


def test_escalated_reviews_and_activities_are_listed_for_supervisors_until_done(world, client, app, supervisor):
    writer, cases = world["writer"], world["cases"]
    writer.escalated(cases["reviewless"], "review", None, ago(months=2), ago(days=1))
    writer.escalated(cases["soon"], "activity", world["activity"], ahead(days=7), TODAY)
    writer.flush()
    listed = client.get("/api/v1/escalations", headers=supervisor[1])
    assert listed.status_code == 200
    assert listed.json["escalations"] == []
    assert [(row["case_id"], row["item"]) for row in listed.json["casework"]] == [
        (str(cases["reviewless"]), "review"), (str(cases["soon"]), "activity")]
    assert listed.json["casework"][0]["days_overdue"] == (TODAY - ago(months=2)).days
    page = app.test_client()
    assert sign_in(page, supervisor[0].username).status_code == 302
    html = page.get("/supervision/escalations").get_data(as_text=True)
    assert f'data-casework="{cases["reviewless"]}:review"' in html and f'data-casework="{cases["soon"]}:activity"' in html
    writer.review(cases["reviewless"], TODAY, ahead(months=6), supervisor[0])
    writer.activity_done(cases["soon"], world["activity"], TODAY, world["psychologist"][0])
    writer.flush()
    assert client.get("/api/v1/escalations", headers=supervisor[1]).json["casework"] == []


class RecordingPlans:
    """A plan service that only notes when the sweep asks it to escalate."""

    def __init__(self):
        self.asked = []

    def escalate_overdue(self, now):
        self.asked.append(now)
        return ["escalated"]


def test_the_sweep_asks_the_plan_service_to_escalate_overdue_casework(senim):
    assert isinstance(senim.escalation.escalate_casework(utc_now()), list)  # nothing overdue: nothing escalated
    plans = RecordingPlans()
    sweep = EscalationService(senim.store, senim.views, senim.settings.claim_deadlines)
    sweep.plans = plans
    sweep.sweep()
    assert len(plans.asked) == 1 and plans.asked[0].tzinfo is not None


def test_caseload_pages_list_the_cases_with_links_to_the_case_page(world, app, make_user, supervisor):
    client = app.test_client()
    assert sign_in(client, world["psychologist"][0].username).status_code == 302
    mine = client.get("/casework/")
    assert mine.status_code == 200
    html = mine.get_data(as_text=True)
    order = [html.index(f'data-case="{world["cases"][name]}"') for name in ("reviewless", "closed", "soon", "followed")]
    assert order == sorted(order)
    assert f'href="/casework/cases/{world["cases"]["soon"]}"' in html
    assert str(world["cases"]["done"]) not in html
    assert client.get("/casework/all").status_code == 403
    assert 'href="/casework/"' in html  # the navigation's entry

    boss = app.test_client()
    assert sign_in(boss, supervisor[0].username).status_code == 302
    page = boss.get("/casework/all", query_string={"service": "helpline"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert str(world["cases"]["helpline"]) in html and str(world["cases"]["soon"]) not in html
    assert 'href="/casework/all"' in html
    bad = boss.get("/casework/all", query_string={"due": "whenever"})
    assert bad.status_code == 422
