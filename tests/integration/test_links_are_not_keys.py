"""Every way into a case is checked (issue 10, items 1, 2 and part of 12), tried as an attacker would,
on both stores: naming a case, contact, referral or assessment in a write never lets its writer in;
only the case's owner or a supervisor adds someone to a case; what a role sees redacted it cannot
change; the caller lookup tells a psychologist nothing about a victim's number; a psychologist
writes only to the programme participations they run."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from domain import instruments

CONTACTS, CASES, REFERRALS = "/api/v1/contacts", "/api/v1/cases", "/api/v1/referrals"
ASSESSMENTS, PROGRAMME, LOOKUP = "/api/v1/assessments", "/api/v1/programme", "/api/v1/callers/lookup"
VICTIM_PHONE = "+7 701 555 0101"
VICTIM = {"role": "victim", "name": "Айгүл Серікова", "phone": VICTIM_PHONE, "address": "Шелтер, Абай 10"}


def contact_body(**extra) -> dict:
    return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat(),
            "caller": {"role": "victim"}, **extra}


def referral_body(**extra) -> dict:
    return {"source": "helpline", "target": "family_service", "urgency": "routine", "reason": "asks for help",
            "consent": {"services": True}, "subject_role": "aggressor", **extra}


def answers(instrument: str, **yes) -> dict:
    return {item["id"]: yes.get(item["id"], "no") for item in instruments.get(instrument)["items"]}


def created(response) -> str:
    assert response.status_code == 201, response.json
    return response.json["id"]


class Victim:
    """Consultant A's caller: a contact, a case opened from it with the victim's details."""

    def __init__(self, client, headers):
        self.contact = created(client.post(CONTACTS, json=contact_body(caller={"role": "victim", "phone": VICTIM_PHONE}),
                                           headers=headers))
        self.case = created(client.post(CASES, json={"contact_id": self.contact, "summary": "Муж угрожает."},
                                        headers=headers))
        added = client.post(f"{CASES}/{self.case}/persons", json=VICTIM, headers=headers)
        assert added.status_code == 201, added.json
        self.person = added.json["id"]


@pytest.fixture
def world(client, make_user):
    a, b = make_user("consultant"), make_user("consultant")
    return {"a": a[1], "b": b[1], "victim": Victim(client, a[1])}


def refused(response, status: int = 403) -> dict:
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    return response.json


def case_stays_closed_to(client, case_id: str, headers) -> None:
    answer = client.get(f"{CASES}/{case_id}", headers=headers)
    assert answer.status_code == 403, answer.json
    assert "Айгүл" not in answer.get_data(as_text=True) and "Абай" not in answer.get_data(as_text=True)


# (a) a consultant who learns a case id ------------------------------------------------------------

def test_a_contact_naming_someone_elses_case_is_refused_and_opens_nothing(client, senim, world):
    victim, b = world["victim"], world["b"]
    head = senim.store.head()
    problem = refused(client.post(CONTACTS, json=contact_body(case_id=victim.case), headers=b))
    assert "may not see it" in problem["detail"] and "owner or a supervisor" in problem["detail"]
    assert senim.store.head() == head
    case_stays_closed_to(client, victim.case, b)
    # The owner, who sees the case, still links to it.
    a = world["a"]
    created(client.post(CONTACTS, json=contact_body(case_id=victim.case), headers=a))
    created(client.post(REFERRALS, json=referral_body(case_id=victim.case, contact_id=victim.contact), headers=a))
    created(client.post(ASSESSMENTS, json={"instrument": "victim_risk", "answers": answers("victim_risk"),
                                           "case_id": victim.case, "contact_id": victim.contact}, headers=a))


def test_an_amendment_moving_ones_own_contact_into_someone_elses_case_is_refused(client, senim, world):
    victim, b = world["victim"], world["b"]
    own = created(client.post(CONTACTS, json=contact_body(), headers=b))
    head = senim.store.head()
    refused(client.post(f"{CONTACTS}/{own}/amendments",
                        json={"changes": {"case_id": victim.case}, "reason": "same family"}, headers=b))
    assert senim.store.head() == head
    case_stays_closed_to(client, victim.case, b)
    assert client.get(f"{CONTACTS}/{own}", headers=b).json["case_id"] is None


def test_a_case_id_that_names_no_case_is_a_validation_error_on_that_field(client, senim, world):
    b, nowhere = world["b"], str(uuid.uuid4())
    own = created(client.post(CONTACTS, json=contact_body(), headers=b))
    head = senim.store.head()
    for response, field in (
            (client.post(CONTACTS, json=contact_body(case_id=nowhere), headers=b), "case_id"),
            (client.post(f"{CONTACTS}/{own}/amendments", json={"changes": {"case_id": nowhere}, "reason": "r"},
                         headers=b), "changes.case_id"),
            (client.post(REFERRALS, json=referral_body(case_id=nowhere), headers=b), "case_id"),
            (client.post(ASSESSMENTS, json={"instrument": "victim_risk", "answers": answers("victim_risk"),
                                            "case_id": nowhere}, headers=b), "case_id")):
        assert refused(response, 422)["errors"][field] == [f"No case with id {nowhere}."]
    assert senim.store.head() == head


# (b) a psychologist's self-made referral ---------------------------------------------------------

def test_a_psychologists_referral_naming_someone_elses_case_or_contact_is_refused(client, senim, make_user, world):
    victim = world["victim"]
    _, psychologist = make_user("psychologist")
    head = senim.store.head()
    refused(client.post(REFERRALS, json=referral_body(case_id=victim.case), headers=psychologist))
    refused(client.post(REFERRALS, json=referral_body(contact_id=victim.contact), headers=psychologist))
    assert senim.store.head() == head
    case_stays_closed_to(client, victim.case, psychologist)
    # The way in that stays: claiming a referral the case's worker made; the victim stays redacted.
    a = world["a"]
    referral = created(client.post(REFERRALS, json=referral_body(case_id=victim.case), headers=a))
    assert client.post(f"{REFERRALS}/{referral}/claim", headers=psychologist).status_code == 200
    case = client.get(f"{CASES}/{victim.case}", headers=psychologist).json
    person = next(p for p in case["persons"] if p["person_id"] == victim.person)
    assert person["redacted"] is True and person["address"] is None


# (c) assessments and the programme ---------------------------------------------------------------

def test_an_assessment_naming_someone_elses_case_or_contact_is_refused(client, senim, make_user, world):
    victim = world["victim"]
    for role in ("psychologist", "consultant"):
        _, headers = make_user(role)
        head = senim.store.head()
        for link in ({"case_id": victim.case}, {"contact_id": victim.contact}):
            refused(client.post(ASSESSMENTS, json={"instrument": "aggressor_status",
                                                   "answers": answers("aggressor_status"), **link}, headers=headers))
        assert senim.store.head() == head
        case_stays_closed_to(client, victim.case, headers)


def test_enrolment_on_someone_elses_assessment_is_refused(client, senim, make_user):
    _, first = make_user("psychologist")
    _, second = make_user("psychologist")
    assessment = created(client.post(ASSESSMENTS, json={
        "instrument": "aggressor_status", "answers": answers("aggressor_status", physical_violence="yes")},
        headers=first))
    head = senim.store.head()
    refused(client.post(PROGRAMME, json={"assessment_id": assessment}, headers=second))
    nowhere = str(uuid.uuid4())
    problem = refused(client.post(PROGRAMME, json={"assessment_id": nowhere}, headers=second), 422)
    assert problem["errors"]["assessment_id"] == [f"No assessment with id {nowhere}."]
    assert senim.store.head() == head
    created(client.post(PROGRAMME, json={"assessment_id": assessment}, headers=first))


# Joining a case: its owner or a supervisor adds someone, with a reason -----------------------------

def test_the_owner_adds_a_colleague_with_a_reason_and_the_colleague_then_sees_the_case(client, senim, make_user,
                                                                                     world):
    victim, a, b = world["victim"], world["a"], world["b"]
    colleague, _ = make_user("consultant")
    case_stays_closed_to(client, victim.case, b)
    refused(client.post(f"{CASES}/{victim.case}/workers", json={"user_id": colleague.user_id, "reason": "nights"},
                        headers=b))
    no_reason = client.post(f"{CASES}/{victim.case}/workers", json={"user_id": colleague.user_id}, headers=a)
    assert refused(no_reason, 422)["errors"]["reason"]
    joined = client.post(f"{CASES}/{victim.case}/workers", json={"user_id": colleague.user_id,
                                                                 "reason": "covers the night shift"}, headers=a)
    assert joined.status_code == 201, joined.json
    assert int(joined.headers["X-Senim-Position"]) == joined.json["position"]
    again = client.post(f"{CASES}/{victim.case}/workers", json={"user_id": colleague.user_id, "reason": "twice"},
                        headers=a)
    assert "already works on this case" in refused(again, 422)["errors"]["user_id"][0]
    events = [event for event in senim.store.events_of(uuid.UUID(victim.case))
              if type(event).__qualname__ == "Case.WorkerAdded"]
    assert len(events) == 1
    assert events[0].worker["user_id"] == colleague.user_id and events[0].reason == "covers the night shift"
    assert events[0].actor["role"] == "consultant"


def test_a_colleague_added_by_a_supervisor_reads_the_case_and_may_then_link_to_it(client, make_user, world):
    victim = world["victim"]
    colleague, colleague_headers = make_user("consultant")
    _, supervisor = make_user("supervisor")
    case_stays_closed_to(client, victim.case, colleague_headers)
    refused(client.post(CONTACTS, json=contact_body(case_id=victim.case), headers=colleague_headers))
    joined = client.post(f"{CASES}/{victim.case}/workers", json={"user_id": colleague.user_id,
                                                                 "reason": "the owner is on leave"}, headers=supervisor)
    assert joined.status_code == 201, joined.json
    case = client.get(f"{CASES}/{victim.case}?min_position={joined.json['position']}", headers=colleague_headers)
    assert case.status_code == 200
    assert any(p["address"] == VICTIM["address"] for p in case.json["persons"])
    assert [w["user_id"] for w in case.json["workers"]] == [colleague.user_id]
    created(client.post(CONTACTS, json=contact_body(case_id=victim.case), headers=colleague_headers))
    listed = client.get(CASES, headers=colleague_headers).json["cases"]
    assert victim.case in [row["id"] for row in listed]


def test_a_psychologist_added_to_a_case_still_sees_the_victim_redacted(client, make_user, world):
    victim, a = world["victim"], world["a"]
    psychologist, headers = make_user("psychologist")
    joined = client.post(f"{CASES}/{victim.case}/workers", json={"user_id": psychologist.user_id,
                                                                 "reason": "works with the husband"}, headers=a)
    assert joined.status_code == 201, joined.json
    case = client.get(f"{CASES}/{victim.case}", headers=headers)
    assert case.status_code == 200
    person = next(p for p in case.json["persons"] if p["person_id"] == victim.person)
    assert person["redacted"] is True and person["name"] is None and person["address"] is None
    assert "Айгүл" not in case.get_data(as_text=True) and "Абай" not in case.get_data(as_text=True)


def test_an_admin_cannot_be_added_to_a_case(client, make_user, world):
    victim, a = world["victim"], world["a"]
    admin, _ = make_user("admin")
    answer = client.post(f"{CASES}/{victim.case}/workers", json={"user_id": admin.user_id, "reason": "curious"},
                         headers=a)
    assert refused(answer, 422)["errors"]["user_id"]


# What a role cannot see, it cannot change --------------------------------------------------------

@pytest.fixture
def claimed_case(client, make_user, world):
    """The victim's case with a psychologist on it (the claimant of a referral of the case)."""
    victim, a = world["victim"], world["a"]
    _, psychologist = make_user("psychologist")
    referral = created(client.post(REFERRALS, json=referral_body(case_id=victim.case), headers=a))
    assert client.post(f"{REFERRALS}/{referral}/claim", headers=psychologist).status_code == 200
    return victim, a, psychologist


def test_a_psychologist_cannot_overwrite_a_victims_hidden_address(client, senim, claimed_case):
    victim, a, psychologist = claimed_case
    head = senim.store.head()
    for method in ("PATCH", "POST"):
        for change in ({"address": "Караганда, ложный адрес"}, {"phone": "+7 700 000 0000"}, {"name": "Другая"},
                       {"address": None}, {"address": VICTIM["address"]}):
            answer = client.open(f"{CASES}/{victim.case}/persons/{victim.person}", method=method, json=change,
                                 headers=psychologist)
            assert "hidden from psychologists" in refused(answer)["detail"]
    assert senim.store.head() == head
    persons = client.get(f"{CASES}/{victim.case}", headers=a).json["persons"]
    assert next(p for p in persons if p["person_id"] == victim.person)["address"] == VICTIM["address"]


def test_a_psychologist_may_not_give_a_victims_or_childs_details_but_may_add_them_by_role(client, senim,
                                                                                        claimed_case):
    victim, _, psychologist = claimed_case
    head = senim.store.head()
    for person in ({"role": "victim", "address": "Караганда"}, {"role": "child", "name": "Әлия"},
                   {"role": "child", "phone": "+7 700 000 0000"}):
        refused(client.post(f"{CASES}/{victim.case}/persons", json=person, headers=psychologist))
    assert senim.store.head() == head
    created(client.post(f"{CASES}/{victim.case}/persons", json={"role": "child"}, headers=psychologist))
    aggressor = created(client.post(f"{CASES}/{victim.case}/persons", json={"role": "aggressor", "name": "Болат"},
                                    headers=psychologist))
    moved = client.patch(f"{CASES}/{victim.case}/persons/{aggressor}", json={"address": "Алматы, Сейфуллина 5"},
                         headers=psychologist)
    assert moved.status_code == 200, moved.json
    # Turning a person whose details the psychologist sees into a victim, with an address, is the same write.
    refused(client.patch(f"{CASES}/{victim.case}/persons/{aggressor}",
                         json={"role": "victim", "address": "Шелтер"}, headers=psychologist))


# The caller lookup and the programme --------------------------------------------------------------

def test_the_caller_lookup_tells_a_psychologist_nothing_about_a_victims_number(client, senim, make_user, world):
    _, psychologist = make_user("psychologist")
    _, supervisor = make_user("supervisor")
    lookup = f"{LOOKUP}?min_position={senim.store.head()}"
    as_supervisor = client.post(lookup, json={"phone": VICTIM_PHONE}, headers=supervisor).json
    assert as_supervisor["known"] is True and as_supervisor["earlier_contacts"] >= 1
    answer = client.post(lookup, json={"phone": VICTIM_PHONE}, headers=psychologist)
    assert answer.status_code == 200
    assert answer.json == {"known": False, "earlier_contacts": 0, "contacts": [], "open_referrals": [],
                           "open_referrals_total": 0}
    # Their own contacts they still find (their contact form uses the lookup).
    own = created(client.post(CONTACTS, json=contact_body(service="family_service", caller={
        "role": "aggressor", "phone": "+7 702 555 0202"}), headers=psychologist))
    answer = client.post(f"{LOOKUP}?min_position={senim.store.head()}", json={"phone": "+7 702 555 0202"},
                         headers=psychologist).json
    assert answer["known"] is True and answer["contacts"] == [own]


def test_a_psychologist_writes_only_to_programme_participations_they_run(client, senim, make_user):
    _, runner = make_user("psychologist")
    _, other = make_user("psychologist")
    _, supervisor = make_user("supervisor")
    assessment = created(client.post(ASSESSMENTS, json={
        "instrument": "aggressor_status", "answers": answers("aggressor_status", physical_violence="yes")},
        headers=runner))
    participation = created(client.post(PROGRAMME, json={"assessment_id": assessment}, headers=runner))
    an_hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    head = senim.store.head()
    refused(client.post(f"{PROGRAMME}/{participation}/sessions", json={"at": an_hour_ago, "attended": True},
                        headers=other))
    refused(client.post(f"{PROGRAMME}/{participation}/complete", json={"outcome": "completed"}, headers=other))
    refused(client.post(f"{PROGRAMME}/{participation}/drop-out", json={"reason": "moved"}, headers=other))
    assert senim.store.head() == head
    assert client.get(f"{PROGRAMME}/{participation}", headers=other).status_code == 200  # reading stays open
    assert client.post(f"{PROGRAMME}/{participation}/sessions", json={"at": an_hour_ago, "attended": True},
                       headers=runner).status_code == 201
    assert client.post(f"{PROGRAMME}/{participation}/sessions", json={"at": an_hour_ago, "attended": False},
                       headers=supervisor).status_code == 201


def test_naming_someone_elses_contact_in_a_lookup_does_not_change_the_count(client, senim, world):
    victim, b = world["victim"], world["b"]
    lookup = f"{LOOKUP}?min_position={senim.store.head()}"
    plain = client.post(lookup, json={"phone": VICTIM_PHONE}, headers=b).json
    naming = client.post(lookup, json={"phone": VICTIM_PHONE, "contact_id": victim.contact}, headers=b).json
    assert plain["earlier_contacts"] == naming["earlier_contacts"] == 1
    own = client.post(lookup, json={"phone": VICTIM_PHONE, "contact_id": victim.contact}, headers=world["a"]).json
    assert own["earlier_contacts"] == 0  # the writer's own contact being recorded is not an earlier one
