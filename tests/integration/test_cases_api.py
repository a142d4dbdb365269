"""Case files over HTTP, on SQLite and on PostgreSQL: opening from a contact, who may see a case,
the redaction of a victim's details for psychologists, the supervisor's audit history (as of a
past moment too), closing and reopening, bad input, and the filtered list."""
import uuid
from datetime import datetime, timedelta, timezone

from domain import instruments

URL = "/api/v1/cases"
CONTACTS = "/api/v1/contacts"
REFERRALS = "/api/v1/referrals"
ASSESSMENTS = "/api/v1/assessments"
PROBLEM = "application/problem+json"
VICTIM = {"role": "victim", "name": "Айгүл Серікова", "phone": "+7 701 234 5678", "address": "Almaty, Abay 10"}
AGGRESSOR = {"role": "aggressor", "name": "Болат Сериков", "phone": "+7 702 000 1111", "address": "Almaty, Abay 10"}


def record_contact(client, headers, case_id: str | None = None, **overrides) -> dict:
    body = {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(),
            "caller": {"role": "victim"}, "summary": "Муж угрожает. Husband threatens.", "case_id": case_id,
            **overrides}
    response = client.post(CONTACTS, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def open_case(client, headers, **body) -> dict:
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert int(response.headers["X-Senim-Position"]) == response.json["position"]
    return response.json


def make_referral(client, headers, case_id: str) -> dict:
    body = {"source": "helpline", "target": "family_service", "urgency": "routine",
            "reason": "Aggressor asks for help.", "consent": {"services": True}, "subject_role": "aggressor", "case_id": case_id}
    response = client.post(REFERRALS, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def claim(client, headers, referral_id: str) -> dict:
    response = client.post(f"{REFERRALS}/{referral_id}/claim", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def assess(client, headers, case_id: str) -> dict:
    answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
    response = client.post(ASSESSMENTS, json={"instrument": "victim_risk", "answers": answers, "case_id": case_id},
                           headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def add_worker(client, headers, case_id: str, user_id: str) -> dict:
    response = client.post(f"{URL}/{case_id}/workers", json={"user_id": user_id, "reason": "Shares the work."},
                           headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def get_case(client, headers, case_id: str, status: int = 200, position: int | None = None):
    suffix = f"?min_position={position}" if position else ""
    response = client.get(f"{URL}/{case_id}{suffix}", headers=headers)
    assert response.status_code == status, response.json
    return response.json


def history(client, headers, case_id: str, **query) -> dict:
    response = client.get(f"{URL}/{case_id}/history", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def listed(client, headers, position: int, **query) -> list[str]:
    response = client.get(URL, query_string={"min_position": position, **query}, headers=headers)
    assert response.status_code == 200, response.json
    return [row["id"] for row in response.json["cases"]]


# Opening ---------------------------------------------------------------------------------------

def test_opening_a_case_from_a_contact_gives_the_contact_its_case_in_the_same_commit(client, consultant, senim):
    contact = record_contact(client, consultant[1])
    before = senim.store.head()
    created = open_case(client, consultant[1], contact_id=contact["id"], summary="Repeated threats.",
                        persons=[VICTIM, AGGRESSOR])
    stored = client.get(f"{CONTACTS}/{contact['id']}", headers=consultant[1]).json
    assert stored["case_id"] == created["id"]
    amended = client.get(f"{CONTACTS}/{contact['id']}/history", headers=consultant[1]).json["events"][-1]
    assert amended["type"] == "Amended"
    assert amended["data"]["reason"] == f"Opened case {created['id']}"
    # Opened, two persons and the contact's amendment: one commit, whose last event is the amendment.
    assert created["position"] == senim.store.head() == before + 4

    case = get_case(client, consultant[1], created["id"], position=created["position"])
    assert case["status"] == "open"
    assert case["contact_id"] == contact["id"]
    assert case["owner"]["username"] == consultant[0].username
    assert case["members"] == {"contacts": [contact["id"]], "referrals": [], "assessments": []}
    assert [(p["label"], p["name"], p["redacted"]) for p in case["persons"]] == [
        ("Victim 1", VICTIM["name"], False), ("Aggressor 1", AGGRESSOR["name"], False)]


def test_a_case_is_opened_only_from_a_contact_one_may_see_that_exists(client, consultant, make_user):
    _, other = make_user("consultant")
    contact = record_contact(client, consultant[1])
    refused = client.post(URL, json={"contact_id": contact["id"]}, headers=other)
    assert refused.status_code == 403
    assert refused.content_type == PROBLEM
    unknown = client.post(URL, json={"contact_id": str(uuid.uuid4())}, headers=consultant[1])
    assert unknown.status_code == 422
    assert list(unknown.json["errors"]) == ["contact_id"]
    assert client.get(f"{CONTACTS}/{contact['id']}", headers=consultant[1]).json["case_id"] is None


def test_a_contact_naming_a_case_that_does_not_exist_is_refused_on_that_field(client, consultant):
    nowhere = str(uuid.uuid4())
    response = client.post(CONTACTS, json={
        "service": "helpline", "channel": "phone", "contact_type": "counselling", "caller": {"role": "victim"},
        "started_at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(), "case_id": nowhere},
        headers=consultant[1])
    assert response.status_code == 422
    assert response.json["errors"] == {"case_id": [f"No case with id {nowhere}."]}


# Who may see a case ----------------------------------------------------------------------------

def test_who_may_see_a_case(client, consultant, supervisor, psychologist, admin, make_user):
    colleague_actor, colleague = make_user("consultant")
    created = open_case(client, consultant[1])
    case_id = created["id"]
    get_case(client, consultant[1], case_id)
    get_case(client, supervisor[1], case_id)
    get_case(client, colleague, case_id, status=403)
    get_case(client, psychologist[1], case_id, status=403)
    get_case(client, admin[1], case_id, status=403)
    assert client.get(URL, headers=admin[1]).status_code == 403
    assert client.post(URL, json={}, headers=admin[1]).status_code == 403
    assert client.get(f"{URL}/{case_id}").status_code == 401

    # Naming the case lets nobody in; its owner adding the colleague does (no wait needed).
    named = client.post(CONTACTS, json={"service": "helpline", "channel": "phone", "contact_type": "counselling",
                                        "caller": {"role": "victim"}, "case_id": case_id,
                                        "started_at": datetime.now(timezone.utc).isoformat()}, headers=colleague)
    assert named.status_code == 403
    get_case(client, colleague, case_id, status=403)
    add_worker(client, consultant[1], case_id, colleague_actor.user_id)
    get_case(client, colleague, case_id)

    referral = make_referral(client, consultant[1], case_id)
    get_case(client, psychologist[1], case_id, status=403)
    claim(client, psychologist[1], referral["id"])
    get_case(client, psychologist[1], case_id)


def test_a_new_owner_sees_the_case_and_only_a_supervisor_assigns_it(client, consultant, supervisor, psychologist):
    created = open_case(client, consultant[1])
    get_case(client, psychologist[1], created["id"], status=403)
    body = {"user_id": psychologist[0].user_id}
    assert client.post(f"{URL}/{created['id']}/owner", json=body, headers=consultant[1]).status_code == 403
    assigned = client.post(f"{URL}/{created['id']}/owner", json=body, headers=supervisor[1])
    assert assigned.status_code == 200, assigned.json
    assert get_case(client, psychologist[1], created["id"])["owner"]["username"] == psychologist[0].username
    unknown = client.post(f"{URL}/{created['id']}/owner", json={"user_id": str(uuid.uuid4())}, headers=supervisor[1])
    assert unknown.status_code == 422
    assert list(unknown.json["errors"]) == ["user_id"]


def test_a_psychologist_never_sees_a_victims_or_childs_details(client, consultant, psychologist):
    child = {"role": "child", "name": "Діас", "address": "School No. 5"}
    created = open_case(client, consultant[1], persons=[VICTIM, AGGRESSOR, child])
    referral = make_referral(client, consultant[1], created["id"])
    claim(client, psychologist[1], referral["id"])
    seen = {person["label"]: person for person in get_case(client, psychologist[1], created["id"])["persons"]}
    for label in ("Victim 1", "Child 1"):
        assert seen[label]["redacted"] is True
        assert (seen[label]["name"], seen[label]["phone"], seen[label]["address"]) == (None, None, None)
    assert (seen["Aggressor 1"]["name"], seen["Aggressor 1"]["redacted"]) == (AGGRESSOR["name"], False)

    victim_id = seen["Victim 1"]["person_id"]
    reveal = client.patch(f"{URL}/{created['id']}/persons/{victim_id}", json={"role": "other"}, headers=psychologist[1])
    assert reveal.status_code == 403
    # What they cannot read back, they cannot write: a victim by role alone, not with a phone.
    with_phone = client.post(f"{URL}/{created['id']}/persons", json={"role": "victim", "phone": "+7 777"},
                             headers=psychologist[1])
    assert with_phone.status_code == 403
    added = client.post(f"{URL}/{created['id']}/persons", json={"role": "victim"}, headers=psychologist[1])
    assert added.status_code == 201, added.json
    again = get_case(client, psychologist[1], created["id"])["persons"]
    assert all(person["phone"] is None for person in again if person["role"] in ("victim", "child"))
    unredacted = {p["label"]: p for p in get_case(client, consultant[1], created["id"])["persons"]}
    assert unredacted["Victim 1"]["address"] == VICTIM["address"]
    assert unredacted["Victim 2"]["phone"] is None


# Persons and notes -----------------------------------------------------------------------------

def test_persons_and_notes_are_added_and_changed(client, consultant):
    created = open_case(client, consultant[1])
    added = client.post(f"{URL}/{created['id']}/persons", json={"role": "other", "name": "Neighbour"},
                        headers=consultant[1])
    assert added.status_code == 201, added.json
    assert added.json["case_id"] == created["id"]
    person_id = added.json["id"]
    changed = client.patch(f"{URL}/{created['id']}/persons/{person_id}",
                           json={"role": "aggressor", "phone": "+7 705", "reason": "He is the partner."},
                           headers=consultant[1])
    assert changed.status_code == 200, changed.json
    assert int(changed.headers["X-Senim-Position"]) == changed.json["position"]
    via_post = client.post(f"{URL}/{created['id']}/persons/{person_id}", json={"name": None}, headers=consultant[1])
    assert via_post.status_code == 200, via_post.json
    note = client.post(f"{URL}/{created['id']}/notes", json={"text": "Will call back at 18:00."},
                       headers=consultant[1])
    assert note.status_code == 201, note.json
    case = get_case(client, consultant[1], created["id"])
    assert [(p["person_id"], p["role"], p["label"], p["name"], p["phone"]) for p in case["persons"]] == [
        (person_id, "aggressor", "Aggressor 1", None, "+7 705")]
    assert [(n["note_id"], n["text"], n["actor"]["username"]) for n in case["notes"]] == [
        (note.json["id"], "Will call back at 18:00.", consultant[0].username)]


# Closing and reopening -------------------------------------------------------------------------

def test_closing_and_reopening_keep_reasons_and_conflict_in_the_wrong_state(client, consultant, supervisor):
    created = open_case(client, consultant[1])
    case_url = f"{URL}/{created['id']}"
    early = client.post(f"{case_url}/reopening", json={"reason": "Why?"}, headers=consultant[1])
    assert early.status_code == 409
    assert (early.content_type, early.json["state"]) == (PROBLEM, "open")
    closed = client.post(f"{case_url}/closure", json={"reason": "Moved to a shelter."}, headers=consultant[1])
    assert closed.status_code == 200, closed.json
    again = client.post(f"{case_url}/closure", json={"reason": "Again."}, headers=consultant[1])
    assert again.status_code == 409
    assert again.json["state"] == "closed"
    note = client.post(f"{case_url}/notes", json={"text": "Late note."}, headers=consultant[1])
    assert note.status_code == 409
    reopened = client.post(f"{case_url}/reopening", json={"reason": "New incident."}, headers=supervisor[1])
    assert reopened.status_code == 200, reopened.json
    case = get_case(client, consultant[1], created["id"])
    assert case["status"] == "reopened"
    assert [(c["status"], c["reason"], c["actor"]["role"]) for c in case["history"]] == [
        ("open", None, "consultant"), ("closed", "Moved to a shelter.", "consultant"),
        ("reopened", "New incident.", "supervisor")]
    for path in ("closure", "reopening"):
        missing = client.post(f"{case_url}/{path}", json={}, headers=supervisor[1])
        assert missing.status_code == 422
        assert "reason" in missing.json["errors"]


def test_only_the_owner_or_a_supervisor_closes_a_case(client, consultant, make_user):
    colleague_actor, colleague = make_user("consultant")
    created = open_case(client, consultant[1])
    add_worker(client, consultant[1], created["id"], colleague_actor.user_id)
    get_case(client, colleague, created["id"])
    refused = client.post(f"{URL}/{created['id']}/closure", json={"reason": "Not mine."}, headers=colleague)
    assert refused.status_code == 403


# Bad input -------------------------------------------------------------------------------------

def test_bad_input_is_refused_naming_the_field(client, consultant, supervisor):
    for body, field in (({"summary": 5}, "summary"), ({"persons": [{"role": "neighbour"}]}, "persons.0.role"),
                        ({"persons": [{"name": "Aigul"}]}, "persons.0.role"), ({"contact_id": "x"}, "contact_id"),
                        ({"colour": "red"}, "colour")):
        response = client.post(URL, json=body, headers=consultant[1])
        assert response.status_code == 422, (body, response.json)
        assert response.content_type == PROBLEM
        assert field in response.json["errors"], (body, response.json)
    malformed = client.post(URL, data="{not json", content_type="application/json", headers=consultant[1])
    assert malformed.status_code == 400
    assert malformed.content_type == PROBLEM

    created = open_case(client, consultant[1], persons=[VICTIM])
    case_url = f"{URL}/{created['id']}"
    assert client.get(f"{URL}/{uuid.uuid4()}", headers=supervisor[1]).status_code == 404
    assert client.get(f"{URL}/not-a-uuid", headers=supervisor[1]).status_code == 404
    assert client.post(f"{URL}/{uuid.uuid4()}/notes", json={"text": "x"}, headers=supervisor[1]).status_code == 404
    contact = record_contact(client, consultant[1])
    assert client.get(f"{URL}/{contact['id']}", headers=supervisor[1]).status_code == 404  # not a case
    unknown_person = client.patch(f"{case_url}/persons/{uuid.uuid4()}", json={"name": "X"}, headers=consultant[1])
    assert unknown_person.status_code == 404
    nothing = client.patch(f"{case_url}/persons/{uuid.uuid4()}", json={"reason": "x"}, headers=consultant[1])
    assert nothing.status_code == 422
    blank = client.post(f"{case_url}/notes", json={"text": "   "}, headers=consultant[1])
    assert blank.status_code == 422
    assert "text" in blank.json["errors"]
    bad_time = client.get(f"{case_url}/history?as_of=yesterday", headers=supervisor[1])
    assert bad_time.status_code == 422
    assert "as_of" in bad_time.json["errors"]
    bad_status = client.get(f"{URL}?status=lost", headers=supervisor[1])
    assert bad_status.status_code == 422
    assert "status" in bad_status.json["errors"]


# The audit history -----------------------------------------------------------------------------

def test_history_holds_the_events_of_the_case_and_of_its_contacts_referrals_and_assessments(
        client, consultant, psychologist, supervisor):
    contact = record_contact(client, consultant[1])
    created = open_case(client, consultant[1], contact_id=contact["id"], persons=[VICTIM])
    referral = make_referral(client, consultant[1], created["id"])
    claim(client, psychologist[1], referral["id"])
    assessment = assess(client, psychologist[1], created["id"])
    record_contact(client, consultant[1], case_id=open_case(client, consultant[1])["id"])  # another case's contact
    assert client.get(f"{URL}/{created['id']}/history", headers=consultant[1]).status_code == 403
    assert client.get(f"{URL}/{created['id']}/history", headers=psychologist[1]).status_code == 403

    events = history(client, supervisor[1], created["id"])["events"]
    assert [event["type"] for event in events] == [
        "Contact.Recorded", "Case.Opened", "Case.PersonAdded", "Contact.Amended", "Referral.Made",
        "Referral.Claimed", "Assessment.Recorded"]
    assert [event["at"] for event in events] == sorted(event["at"] for event in events)
    by_type = {event["type"]: event for event in events}
    assert by_type["Referral.Claimed"]["actor"]["username"] == psychologist[0].username
    assert (by_type["Referral.Made"]["kind"], by_type["Referral.Made"]["aggregate_id"]) == ("referral", referral["id"])
    assert by_type["Assessment.Recorded"]["aggregate_id"] == assessment["id"]
    assert by_type["Case.PersonAdded"]["data"]["name"] == VICTIM["name"]  # supervisors see everything
    assert by_type["Contact.Recorded"]["data"]["summary"].startswith("Муж")

    only = history(client, supervisor[1], created["id"], type="referral,Case.Opened")["events"]
    assert [event["type"] for event in only] == ["Case.Opened", "Referral.Made", "Referral.Claimed"]
    person_id = by_type["Case.PersonAdded"]["data"]["person_id"]
    about = history(client, supervisor[1], created["id"], person=person_id)["events"]
    assert [event["type"] for event in about] == ["Case.PersonAdded"]


def test_history_as_of_gives_the_case_as_it_stood_and_leaves_out_later_members_and_events(
        client, consultant, supervisor):
    elsewhere = open_case(client, consultant[1])["id"]
    late = record_contact(client, consultant[1], case_id=elsewhere)  # in another case at first
    created = open_case(client, consultant[1], persons=[VICTIM])
    case_url = f"{URL}/{created['id']}"
    early = record_contact(client, consultant[1], case_id=created["id"])
    client.post(f"{case_url}/notes", json={"text": "First note."}, headers=consultant[1])
    then = history(client, supervisor[1], created["id"])["events"][-1]["at"]

    assert client.post(f"{case_url}/closure", json={"reason": "Safe now."}, headers=consultant[1]).status_code == 200
    moved = client.post(f"{CONTACTS}/{late['id']}/amendments",
                        json={"changes": {"case_id": created["id"]}, "reason": "Same family."}, headers=consultant[1])
    assert moved.status_code == 201, moved.json

    past = history(client, supervisor[1], created["id"], as_of=then)
    assert past["case"]["status"] == "open"
    assert [note["text"] for note in past["case"]["notes"]] == ["First note."]
    assert [person["name"] for person in past["case"]["persons"]] == [VICTIM["name"]]
    assert [(event["type"], event["aggregate_id"]) for event in past["events"]] == [
        ("Case.Opened", created["id"]), ("Case.PersonAdded", created["id"]), ("Contact.Recorded", early["id"]),
        ("Case.NoteAdded", created["id"])]
    assert all(event["at"] <= then for event in past["events"])

    now = history(client, supervisor[1], created["id"])
    assert now["case"]["status"] == "closed"
    assert [c["reason"] for c in now["case"]["history"]] == [None, "Safe now."]
    late_events = [event["type"] for event in now["events"] if event["aggregate_id"] == late["id"]]
    assert late_events == ["Contact.Recorded", "Contact.Amended"]  # a member now: every event of it
    assert history(client, supervisor[1], created["id"], as_of="2001-01-01T00:00:00Z")["case"] is None


def test_a_contact_moved_out_of_the_case_leaves_its_history_but_not_its_past(client, consultant, supervisor):
    created = open_case(client, consultant[1])
    contact = record_contact(client, consultant[1], case_id=created["id"])
    then = history(client, supervisor[1], created["id"])["events"][-1]["at"]
    client.post(f"{CONTACTS}/{contact['id']}/amendments",
                json={"changes": {"case_id": None}, "reason": "Wrong case."}, headers=consultant[1])
    assert [e["kind"] for e in history(client, supervisor[1], created["id"])["events"]] == ["case"]
    kinds = [e["kind"] for e in history(client, supervisor[1], created["id"], as_of=then)["events"]]
    assert kinds == ["case", "contact"]
    assert get_case(client, supervisor[1], created["id"])["members"]["contacts"] == []


def test_every_read_of_a_case_is_noted_in_the_access_log(client, consultant, supervisor, senim, monkeypatch):
    reads = []
    monkeypatch.setattr(senim.access, "record",
                        lambda actor, kind, record_id, **where: reads.append((actor.username, kind, str(record_id))))
    created = open_case(client, consultant[1])
    get_case(client, consultant[1], created["id"])
    history(client, supervisor[1], created["id"])
    assert reads == [(consultant[0].username, "case", created["id"]), (supervisor[0].username, "case", created["id"])]


# The list --------------------------------------------------------------------------------------

def test_the_list_shows_each_role_the_cases_it_may_see_without_personal_data(
        client, consultant, supervisor, psychologist, make_user):
    someone, colleague = make_user("consultant")
    mine = open_case(client, consultant[1], summary="Private summary.", persons=[VICTIM])
    theirs = open_case(client, colleague)
    shared = open_case(client, colleague)
    add_worker(client, colleague, shared["id"], consultant[0].user_id)
    referral = make_referral(client, colleague, theirs["id"])
    claim(client, psychologist[1], referral["id"])
    closed = client.post(f"{URL}/{mine['id']}/closure", json={"reason": "Done."}, headers=consultant[1])
    position = closed.json["position"]

    assert set(listed(client, consultant[1], position)) == {mine["id"], shared["id"]}
    assert set(listed(client, colleague, position)) == {theirs["id"], shared["id"]}
    assert listed(client, psychologist[1], position) == [theirs["id"]]
    assert set(listed(client, supervisor[1], position)) >= {mine["id"], theirs["id"], shared["id"]}
    assert listed(client, consultant[1], position, status="closed") == [mine["id"]]
    assert set(listed(client, supervisor[1], position, owner=someone.username)) == {shared["id"], theirs["id"]}
    assert set(listed(client, supervisor[1], position, owner=someone.user_id)) == {shared["id"], theirs["id"]}
    assert listed(client, consultant[1], position, owner="me") == [mine["id"]]

    rows = client.get(URL, query_string={"min_position": position}, headers=supervisor[1]).json["cases"]
    row = next(row for row in rows if row["id"] == mine["id"])
    assert (row["status"], row["owner"]["username"], row["closed_at"] is not None) == (
        "closed", consultant[0].username, True)
    assert set(row) == {"id", "status", "owner", "opened_at", "closed_at", "updated_at", "contacts", "referrals",
                        "assessments"}
    counted = next(row for row in rows if row["id"] == theirs["id"])
    assert (counted["contacts"], counted["referrals"], counted["assessments"]) == (0, 1, 0)
    text = str(rows)
    assert "Private summary." not in text and VICTIM["name"] not in text and VICTIM["phone"] not in text


def test_rebuilding_the_case_timeline_gives_the_same_rows(client, consultant, supervisor, psychologist, senim):
    contact = record_contact(client, consultant[1])
    created = open_case(client, consultant[1], contact_id=contact["id"], persons=[VICTIM])
    other = open_case(client, consultant[1])
    moved = record_contact(client, consultant[1], case_id=created["id"])
    client.post(f"{CONTACTS}/{moved['id']}/amendments", json={"changes": {"case_id": other["id"]}, "reason": "Other"},
                headers=consultant[1])
    referral = make_referral(client, consultant[1], created["id"])
    claim(client, psychologist[1], referral["id"])
    assess(client, psychologist[1], created["id"])
    client.post(f"{URL}/{created['id']}/owner", json={"user_id": psychologist[0].user_id}, headers=supervisor[1])
    client.post(f"{URL}/{other['id']}/closure", json={"reason": "Duplicate."}, headers=consultant[1])
    senim.projections.catch_up("case_timeline")

    def rows() -> dict:
        tables = {"case_list": "case_id", "case_members": "case_id, aggregate_id",
                  "case_workers": "case_id, user_id, via, aggregate_id", "case_timeline": "case_id, position",
                  "case_contact_recorders": "contact_id"}
        with senim.views.transaction(write=False) as tx:
            return {table: tx.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
                    for table, order in tables.items()}

    built = rows()
    senim.projections.rebuild("case_timeline")
    assert rows() == built
    listed_row = {row[0]: row for row in built["case_list"]}[created["id"]]
    assert listed_row[1:4] == ("open", psychologist[0].user_id, psychologist[0].username)
    assert listed_row[-3:] == (1, 1, 1)  # one contact (the other moved away), one referral, one assessment
    workers = {(row[1], row[2]) for row in built["case_workers"] if row[0] == created["id"]}
    assert workers == {(consultant[0].user_id, "opener"), (consultant[0].user_id, "contact"),
                       (psychologist[0].user_id, "owner"), (psychologist[0].user_id, "referral")}
    members = {(row[2], row[4]) for row in built["case_members"] if row[0] == created["id"]}
    assert members == {(contact["id"], 1), (moved["id"], 0), (referral["id"], 1),
                       (next(r[2] for r in built["case_members"] if r[1] == "assessment"), 1)}
