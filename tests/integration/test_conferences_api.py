"""Case conferences through the API, on SQLite and on PostgreSQL: scheduling, the agenda, decisions and
actions, 409s naming the state and 422s naming the field, who sees what, the carry-over of a series,
the twelve-month flag, an agency's copy of the minutes, erasure, and the caseload's read of open actions."""
from datetime import date, timedelta

import pytest

from domain.clock import local, utc_now
from intake.queries.conferences import open_actions_by_owner

URL = "/api/v1/conferences"
POLICE, SCHOOL = "Отдел полиции Алмалинского района", "Школа № 5"
VICTIM_NAME, VICTIM_PHONE = "Айгүл Сейткали", "+7 701 555 0101"


def today() -> date:
    return local(utc_now()).date()


def ok(response, status=(200, 201)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.json
    return response.json


@pytest.fixture
def family(client, consultant, psychologist, supervisor):
    """A case opened by the consultant, with a victim whose name and phone are recorded; the psychologist is
    added to it by the supervisor."""
    case = ok(client.post("/api/v1/cases", json={"summary": "family in crisis", "persons": [
        {"role": "victim", "name": VICTIM_NAME, "phone": VICTIM_PHONE}, {"role": "aggressor"}]},
        headers=consultant[1]))["id"]
    ok(client.post(f"/api/v1/cases/{case}/workers", json={"user_id": psychologist[0].user_id, "reason": "therapy"},
                   headers=supervisor[1]))
    return case


def schedule(client, headers, **body):
    body = {"kind": "multi_agency", "held_on": today().isoformat(), "agencies": [POLICE, SCHOOL], **body}
    return client.post(URL, json=body, headers=headers)


def action(client, headers, conference, case, owner=None, **body):
    body = {"case_id": case, "text": "Visit the family at home", "owner": owner or {"kind": "agency", "agency": POLICE},
            "due_on": (today() + timedelta(days=14)).isoformat(), **body}
    return client.post(f"{URL}/{conference}/actions", json=body, headers=headers)


def test_a_meeting_is_scheduled_discussed_and_its_actions_done(client, psychologist, supervisor, family, senim):
    created = ok(schedule(client, psychologist[1], case_ids=[family], attendees=[supervisor[0].user_id]))
    conference = created["id"]
    ok(client.post(f"{URL}/{conference}/discussions", json={
        "case_id": family, "decisions": "Review the safety plan", "agencies": [POLICE]}, headers=psychologist[1]))
    agreed = ok(action(client, psychologist[1], conference, family))
    staff_action = ok(action(client, psychologist[1], conference, family, text="Call the mother",
                             owner={"kind": "staff", "user_id": psychologist[0].user_id}))
    done = client.post(f"{URL}/{conference}/actions/{agreed['action_id']}/done", json={}, headers=psychologist[1])
    ok(done)
    assert done.headers["X-Senim-Position"] == str(senim.store.head())
    shown = ok(client.get(f"{URL}/{conference}?min_position={done.json['position']}", headers=supervisor[1]))
    assert (shown["kind"], shown["held_on"], shown["held"]) == ("multi_agency", today().isoformat(), True)
    assert [member["username"] for member in shown["attendees"]] == [supervisor[0].username]
    (case,) = shown["cases"]
    assert case["visible"] and case["discussed_again"] is False
    assert [d["decisions"] for d in case["discussions"]] == ["Review the safety plan"]
    states = {a["action_id"]: (a["state"], a["owner"].get("username") or a["owner"].get("agency")) for a in case["actions"]}
    assert states == {agreed["action_id"]: ("done", POLICE),
                      staff_action["action_id"]: ("open", psychologist[0].username)}
    listed = ok(client.get(f"{URL}?min_position={done.json['position']}", headers=supervisor[1]))["conferences"]
    assert [(row["id"], row["cases"], row["open_actions"]) for row in listed] == [(conference, 1, 1)]


def test_the_caseload_reads_open_actions_per_member_of_staff(client, psychologist, family, senim):
    conference = ok(schedule(client, psychologist[1], case_ids=[family]))["id"]
    mine = ok(action(client, psychologist[1], conference, family, owner={
        "kind": "staff", "user_id": psychologist[0].user_id}, due_on=(today() + timedelta(days=3)).isoformat()))
    ok(action(client, psychologist[1], conference, family))  # an agency's: on nobody's caseload
    senim.projections.catch_up("conferences")
    (row,) = open_actions_by_owner(senim, psychologist[0].user_id)
    assert (row["action_id"], row["case_id"], row["conference_id"]) == (mine["action_id"], family, conference)
    assert row["due_on"] == (today() + timedelta(days=3)).isoformat() and row["kind"] == "multi_agency"
    ok(client.post(f"{URL}/{conference}/actions/{mine['action_id']}/done", json={}, headers=psychologist[1]))
    senim.projections.catch_up("conferences")
    assert open_actions_by_owner(senim, psychologist[0].user_id) == []


def test_refused_states_are_409_naming_the_state(client, psychologist, family):
    conference = ok(schedule(client, psychologist[1]))["id"]
    not_on_agenda = client.post(f"{URL}/{conference}/discussions", json={"case_id": family, "decisions": "x"},
                                headers=psychologist[1])
    assert not_on_agenda.status_code == 409 and not_on_agenda.json["state"] == "not_on_agenda"
    assert action(client, psychologist[1], conference, family).json["state"] == "not_on_agenda"
    ok(client.post(f"{URL}/{conference}/cases", json={"case_id": family}, headers=psychologist[1]))
    twice = client.post(f"{URL}/{conference}/cases", json={"case_id": family}, headers=psychologist[1])
    assert twice.status_code == 409 and twice.json["state"] == "on_agenda"
    agreed = ok(action(client, psychologist[1], conference, family))["action_id"]
    ok(client.post(f"{URL}/{conference}/actions/{agreed}/done", json={}, headers=psychologist[1]))
    again = client.post(f"{URL}/{conference}/actions/{agreed}/done", json={}, headers=psychologist[1])
    assert again.status_code == 409 and (again.json["state"], again.json["code"]) == ("done", "conference.action_done")
    ahead = ok(schedule(client, psychologist[1], case_ids=[family], held_on=(today() + timedelta(days=7)).isoformat()))
    early = client.post(f"{URL}/{ahead['id']}/discussions", json={"case_id": family, "decisions": "x"},
                        headers=psychologist[1])
    assert early.status_code == 409 and early.json["state"] == "scheduled"


@pytest.mark.parametrize("body, field", [
    ({"kind": "party"}, "kind"),
    ({"held_on": "tomorrow"}, "held_on"),
    ({"held_on": "2099-01-01"}, "held_on"),
    ({"agencies": [POLICE, POLICE.upper()]}, "agencies.1"),
    ({"case_ids": ["00000000-0000-4000-8000-000000000000"]}, "case_ids.0"),
    ({"attendees": ["00000000-0000-4000-8000-000000000000"]}, "attendees.0"),
    ({"previous_id": "00000000-0000-4000-8000-000000000000"}, "previous_id"),
])
def test_bad_schedules_are_422_naming_the_field(client, psychologist, body, field):
    refused = schedule(client, psychologist[1], **body)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["errors"] or any(key.startswith(field) for key in refused.json["errors"])


@pytest.mark.parametrize("body, field", [
    ({"owner": {"kind": "robot"}}, "owner"),
    ({"owner": {"kind": "staff"}}, "owner.user_id"),
    ({"owner": {"kind": "staff", "user_id": "00000000-0000-4000-8000-000000000000"}}, "owner.user_id"),
    ({"due_on": "2000-01-01"}, "due_on"),
    ({"text": "   "}, "text"),
])
def test_bad_actions_are_422_naming_the_field(client, psychologist, family, body, field):
    conference = ok(schedule(client, psychologist[1], case_ids=[family]))["id"]
    refused = action(client, psychologist[1], conference, family, **body)
    assert refused.status_code == 422, refused.json
    assert any(key == field or key.startswith(field + ".") for key in refused.json["errors"]), refused.json


def test_minutes_of_an_agency_that_was_not_there_are_422_naming_the_agency(client, psychologist, family):
    conference = ok(schedule(client, psychologist[1], case_ids=[family]))["id"]
    refused = client.get(f"{URL}/{conference}/minutes?agency=Прокуратура", headers=psychologist[1])
    assert refused.status_code == 422 and "agency" in refused.json["errors"]


def test_who_schedules_and_who_sees(client, make_user, consultant, psychologist, supervisor, admin, family):
    assert schedule(client, consultant[1]).status_code == 403
    outsider = make_user("psychologist")
    assert schedule(client, outsider[1], case_ids=[family]).status_code == 403  # a case they do not work on
    conference = ok(schedule(client, psychologist[1], case_ids=[family]))["id"]
    attendee = make_user("consultant")
    own = ok(schedule(client, psychologist[1], attendees=[attendee[0].user_id]))["id"]
    for who, status in ((consultant, 200), (psychologist, 200), (supervisor, 200), (outsider, 403), (admin, 403)):
        assert client.get(f"{URL}/{conference}", headers=who[1]).status_code == status, who[0].role
    assert client.get(f"{URL}/{own}", headers=attendee[1]).status_code == 200
    # An attendee who does not work on a case of the agenda sees its number only, nothing of it.
    ok(client.post(f"{URL}/{own}/cases", json={"case_id": family}, headers=psychologist[1]))
    ok(client.post(f"{URL}/{own}/discussions", json={"case_id": family, "decisions": "Secret plan"},
                   headers=psychologist[1]))
    seen = ok(client.get(f"{URL}/{own}", headers=attendee[1]))
    assert seen["cases"][0]["visible"] is False and "Secret plan" not in str(seen)
    refused = client.post(f"{URL}/{own}/discussions", json={"case_id": family, "decisions": "x"},
                          headers=attendee[1])
    assert refused.status_code == 403
    listed = {row["id"] for row in ok(client.get(URL, headers=outsider[1]))["conferences"]}
    assert listed == set()
    assert {row["id"] for row in ok(client.get(URL, headers=consultant[1]))["conferences"]} == {conference, own}
    assert client.get(URL, headers=admin[1]).status_code == 403


def test_open_actions_carry_over_to_the_next_meeting_of_the_series(client, psychologist, supervisor, family):
    first = ok(schedule(client, supervisor[1], case_ids=[family], kind="supervision"))["id"]
    done = ok(action(client, supervisor[1], first, family, text="Done at once"))["action_id"]
    ok(client.post(f"{URL}/{first}/actions/{done}/done", json={}, headers=supervisor[1]))
    still = ok(action(client, supervisor[1], first, family, text="Still open", owner={
        "kind": "staff", "user_id": psychologist[0].user_id}))["action_id"]
    second = ok(schedule(client, supervisor[1], kind="supervision", previous_id=first))
    shown = ok(client.get(f"{URL}/{second['id']}", headers=psychologist[1]))
    first_shown = ok(client.get(f"{URL}/{first}", headers=psychologist[1]))
    assert shown["series_id"] == first_shown["series_id"] and shown["previous_id"] == first
    (case,) = shown["cases"]
    (carried,) = case["actions"]
    assert (carried["carried_from"], carried["text"], carried["state"]) == (still, "Still open", "open")
    old = {a["action_id"]: a for a in first_shown["cases"][0]["actions"]}
    assert old[still]["state"] == "carried" and old[still]["carried_to"] == second["id"]
    refused = client.post(f"{URL}/{first}/actions/{still}/done", json={}, headers=psychologist[1])
    assert refused.status_code == 409 and refused.json["state"] == "carried"
    ok(client.post(f"{URL}/{second['id']}/actions/{carried['action_id']}/done", json={}, headers=psychologist[1]))


def test_a_case_discussed_again_within_twelve_months_is_flagged(client, supervisor, family):
    earlier = ok(schedule(client, supervisor[1], case_ids=[family],
                          held_on=(today() - timedelta(days=200)).isoformat()))["id"]
    ok(client.post(f"{URL}/{earlier}/discussions", json={"case_id": family, "decisions": "first look"},
                   headers=supervisor[1]))
    now = ok(schedule(client, supervisor[1], case_ids=[family]))["id"]
    (case,) = ok(client.get(f"{URL}/{now}", headers=supervisor[1]))["cases"]
    assert case["discussed_again"] is True
    assert case["discussed_before_on"] == (today() - timedelta(days=200)).isoformat()
    (first_case,) = ok(client.get(f"{URL}/{earlier}", headers=supervisor[1]))["cases"]
    assert first_case["discussed_again"] is False


def test_an_agencys_copy_holds_only_its_own_actions_and_no_personal_data(client, consultant, psychologist, family):
    conference = ok(schedule(client, psychologist[1], case_ids=[family]))["id"]
    ok(client.post(f"{URL}/{conference}/discussions", json={"case_id": family, "decisions": "Internal: therapy twice"},
                   headers=psychologist[1]))
    ok(client.post(f"{URL}/{conference}/discussions", json={
        "case_id": family, "decisions": "Police: check on the home weekly", "agencies": [POLICE]},
        headers=psychologist[1]))
    ok(action(client, psychologist[1], conference, family, text="Police patrol"))
    ok(action(client, psychologist[1], conference, family, text="School report", owner={"kind": "agency", "agency": SCHOOL}))
    ok(action(client, psychologist[1], conference, family, text="Staff follow-up", owner={
        "kind": "staff", "user_id": psychologist[0].user_id}))
    copy = ok(client.get(f"{URL}/{conference}/minutes", query_string={"agency": POLICE}, headers=consultant[1]))
    assert copy["agency"] == POLICE and copy["agencies"] == [POLICE, SCHOOL]
    (case,) = copy["cases"]
    assert case["decisions"] == ["Police: check on the home weekly"]
    assert [a["text"] for a in case["actions"]] == ["Police patrol"]
    said = str(copy)
    for secret in ("Internal", "School report", "Staff follow-up", VICTIM_NAME, VICTIM_PHONE,
                   psychologist[0].username, consultant[0].username, "Victim", "family in crisis"):
        assert secret not in said, secret


def test_erasing_a_person_of_the_case_makes_its_decisions_and_actions_unreadable(
        client, psychologist, supervisor, family):
    conference = ok(schedule(client, psychologist[1], case_ids=[family]))["id"]
    ok(client.post(f"{URL}/{conference}/discussions", json={"case_id": family, "decisions": "Move her to a shelter"},
                   headers=psychologist[1]))
    ok(action(client, psychologist[1], conference, family, text="Find a shelter place"))
    persons = ok(client.get(f"/api/v1/cases/{family}", headers=supervisor[1]))["persons"]
    victim = next(person["person_id"] for person in persons if person["role"] == "victim")
    ok(client.post(f"/api/v1/persons/{victim}/erasure", json={"reason": "the law requires it"}, headers=supervisor[1]))
    (case,) = ok(client.get(f"{URL}/{conference}", headers=supervisor[1]))["cases"]
    assert [d["decisions"] for d in case["discussions"]] == [None]
    assert [a["text"] for a in case["actions"]] == [None]
    assert "shelter" not in str(case)
