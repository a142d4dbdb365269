"""The consultant's pages through Flask's test client: a call is saved with its checklist and referral,
bad input is refused beside its field and writes nothing, staff see only their own contacts, and no
input, however odd, gives a 500."""
import html
import re
import sqlite3
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.clock import utc_now
from intake.web.consultant_forms import moment_value
from tests.helpers.web import ERROR, csrf_token, pages_in, post_form, sign_in, signed_in_as

SAVED = re.compile(r"/contacts/([0-9a-f-]{36})/saved")


# The browser asks for English, so the messages below read as written in the code.
english = pages_in("en")


@pytest.fixture
def consultant(make_user, client):
    return signed_in_as(make_user, client, "consultant")


def errors(response) -> dict[str, str]:
    return {field: " ".join(html.unescape(message).split())
            for field, message in ERROR.findall(response.get_data(as_text=True))}


def a_call(**changes) -> dict:
    """What the new-contact form sends for an ordinary call that started five minutes ago."""
    data = {
        "service": "helpline", "channel": "phone", "contact_type": "counselling", "caller_role": "victim",
        "caller_gender": "female", "caller_age": "34", "caller_age_group": "", "caller_region": "almaty",
        "caller_phone": "+7 701 123 45 67", "categories": ["physical_assault"], "summary": "Угрозы, побои.",
        "risk": ["immediate_danger"], "outcome": ["safety_planning"], "consent_services": "yes",
        "consent_reporting": "no", "started_at": moment_value(utc_now() - timedelta(minutes=5)),
        "call_token": UUID(int=0).hex, "action": "end",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def save(client, **changes):
    return post_form(client, "/contacts/new", a_call(**changes))


def saved_id(response) -> UUID:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return UUID(SAVED.search(response.headers["Location"]).group(1))


def call_token() -> str:
    return uuid4().hex


# Saving a call ----------------------------------------------------------------------------------

def test_a_call_is_saved_completed_with_its_checklist_and_urgent_referral(client, senim, consultant):
    response = save(client, call_token=call_token(), make_referral="y", referral_target="police",
                    referral_urgency="emergency", referral_reason="Угрожает ножом.",
                    **{"vr-fear": "yes", "vr-weapons": "yes", "vr-isolation": "no", "vr-stalking": "unknown"})
    contact_id = saved_id(response)
    contact = senim.contacts.get(contact_id, actor=consultant)
    assert contact.is_completed
    assert contact.fields["caller"]["age_group"] == "25_34"
    assert contact.fields["caller"]["phone"] == "+7 701 123 45 67"
    assert contact.fields["consent"] == {"services": True, "reporting": False}
    duration = contact.fields["ended_at"] - contact.fields["started_at"]
    assert timedelta(minutes=4) < duration < timedelta(minutes=6)

    location = response.headers["Location"]
    assessment = senim.assessments.get(UUID(re.search(r"assessment=([0-9a-f-]{36})", location).group(1)),
                                       actor=consultant)
    assert assessment.contact_id == contact_id
    assert assessment.answers["fear"] == "yes" and assessment.answers["getting_worse"] == "unknown"
    assert assessment.result["score"] == 2 and assessment.result["unknown_count"] == 21
    referral = senim.referrals.get(UUID(re.search(r"referral=([0-9a-f-]{36})", location).group(1)),
                                   actor=consultant)
    assert (referral.target, referral.urgency, referral.source, referral.contact_id) == \
        ("police", "emergency", "helpline", contact_id)

    page = client.get(location)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-draft-clear="new-contact"' in text
    assert "Standard risk" in text and "Police" in text and "Emergency" in text


def test_a_case_file_opened_with_the_call_holds_the_call_its_checklist_and_its_referral(client, senim, consultant):
    response = save(client, call_token=call_token(), open_case="y", make_referral="y",
                    referral_target="family_service", referral_urgency="urgent", referral_reason="Needs support.",
                    caller_name="Айгүл", **{"vr-fear": "yes"})
    contact_id = saved_id(response)
    case_id = senim.contacts.get(contact_id, actor=consultant).fields["case_id"]
    assert case_id is not None
    case = senim.cases.get(case_id, actor=consultant)
    assert [(person["role"], person["name"]) for person in case.persons.values()] == [("victim", "Айгүл")]
    location = response.headers["Location"]
    for getter, name in ((senim.assessments.get, "assessment"), (senim.referrals.get, "referral")):
        record = getter(UUID(re.search(rf"{name}=([0-9a-f-]{{36}})", location).group(1)), actor=consultant)
        assert record.case_id == case_id
    assert "This contact belongs to a case file" in client.get(location).get_data(as_text=True)


def test_a_call_that_continues_stays_open_and_is_ended_from_its_page(client, senim, consultant):
    contact_id = saved_id(save(client, call_token=call_token(), action="continue"))
    assert not senim.contacts.get(contact_id, actor=consultant).is_completed
    assert "The call continues" in client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    ended = post_form(client, f"/contacts/{contact_id}/end", {}, token_from=f"/contacts/{contact_id}")
    assert ended.status_code == 302
    assert senim.contacts.get(contact_id, actor=consultant).is_completed
    again = post_form(client, f"/contacts/{contact_id}/end", {}, token_from=f"/contacts/{contact_id}")
    assert again.status_code == 302  # a second "ended" is explained, not an error page
    assert "already marked as ended" in client.get(f"/contacts/{contact_id}").get_data(as_text=True)


def test_the_same_call_sent_twice_is_recorded_once(client, senim, consultant):
    token = call_token()
    first = saved_id(save(client, call_token=token))
    head = senim.store.head()
    second = save(client, call_token=token)
    assert second.status_code == 302 and str(first) in second.headers["Location"]
    assert senim.store.head() == head


def test_a_step_that_fails_after_the_contact_says_what_was_saved_and_redoes_the_rest(client, senim, consultant,
                                                                                      monkeypatch):
    real_make = senim.referrals.make

    def database_away(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(senim.referrals, "make", database_away)
    response = save(client, call_token=call_token(), make_referral="y", referral_target="crisis_centre",
                    referral_urgency="urgent", referral_reason="Нужен приют.", **{"vr-fear": "yes"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Saved: the contact itself." in page and "Saved: the risk checklist." in page
    assert "Not saved: the referral." in page
    contact_id = UUID(re.search(r"/contacts/([0-9a-f-]{36})/steps", page).group(1))
    assert senim.contacts.get(contact_id, actor=consultant).fields["summary"] == "Угрозы, побои."

    monkeypatch.setattr(senim.referrals, "make", real_make)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    hidden.pop("csrf_token")
    redone = post_form(client, f"/contacts/{contact_id}/steps", hidden, token_from="/contacts/new")
    assert redone.status_code == 302
    location = redone.headers["Location"]
    assert "assessment=" in location and "referral=" in location
    referral = senim.referrals.get(UUID(re.search(r"referral=([0-9a-f-]{36})", location).group(1)), actor=consultant)
    assert (referral.target, referral.reason, referral.contact_id) == ("crisis_centre", "Нужен приют.", contact_id)


def test_a_database_that_does_not_answer_keeps_everything_typed(client, senim, consultant, monkeypatch):
    def database_away(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(senim.contacts, "record", database_away)
    response = save(client, call_token=call_token(), summary="Она прячется у соседей.")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert "Она прячется у соседей." in page and 'data-draft-restore="never"' in page


# Bad input: a readable error beside the field, nothing written -----------------------------------

@pytest.mark.parametrize("changes, field, message", [
    ({"caller_role": "alien"}, "caller_role", "Choose one of the offered options."),
    ({"channel": "pigeon"}, "channel", "Choose one of the offered options."),
    ({"categories": ["physical_assault", "nonsense"]}, "categories", "Choose one of the offered options."),
    ({"caller_role": None}, "caller_role", "Fill in this field."),
    ({"started_at": moment_value(utc_now() + timedelta(hours=2))}, "started_at", "The start is in the future."),
    ({"started_at": "yesterday evening"}, "started_at", "Give a date and a time"),
    ({"started_at": moment_value(utc_now() - timedelta(hours=30))}, "started_at", "longer than 24 hours"),
    ({"caller_age": "thirty"}, "caller_age", "whole years"),
    ({"caller_age": "40", "caller_age_group": "14_17"}, "caller_age_group", "not in the chosen age group"),
    ({"caller_phone": "call me maybe"}, "caller_phone", "Use digits, spaces"),
    ({"make_referral": "y", "referral_target": "police", "referral_urgency": "urgent", "referral_reason": "x",
      "consent_services": "no"}, "consent_services", "needs the person's consent"),
    ({"make_referral": "y", "referral_target": "police", "referral_urgency": "urgent", "referral_reason": "x",
      "consent_services": "unknown"}, "consent_services", "Say whether the person agreed"),
    ({"make_referral": "y", "referral_target": "", "referral_urgency": "urgent", "referral_reason": " "},
     "referral_reason", "Write the reason for the referral."),
    ({"vr-fear": "maybe"}, "vr-fear", "Answer yes, no or unknown."),
    ({"summary": "x" * 20_001}, "summary", "Use at most 20000 characters."),
    ({"summary": "NUL \x00 inside"}, "summary", "control characters"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(client, senim, consultant, changes, field,
                                                                       message):
    head = senim.store.head()
    response = save(client, call_token=call_token(), **changes)
    assert response.status_code == 422
    found = errors(response)
    assert field in found and message in found[field], found
    page = response.get_data(as_text=True)
    kept = "+7 701 123 45 67" if "summary" in changes else "Угрозы, побои."
    assert 'data-draft-restore="never"' in page and kept in page  # what was typed is kept
    assert senim.store.head() == head


def test_a_referral_refused_for_consent_saves_neither_the_contact_nor_the_checklist(client, senim, consultant):
    head = senim.store.head()
    response = save(client, call_token=call_token(), make_referral="y", referral_target="police",
                    referral_urgency="emergency", referral_reason="Опасность.", consent_services="no",
                    **{"vr-fear": "yes"})
    assert response.status_code == 422
    assert senim.store.head() == head


def test_a_bad_csrf_token_is_refused_and_writes_nothing(client, senim, consultant):
    head = senim.store.head()
    response = client.post("/contacts/new", data={**a_call(call_token=call_token()), "csrf_token": "forged"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert client.post("/contacts/new", data=a_call(call_token=call_token())).status_code == 400
    assert senim.store.head() == head


# Who may see what -------------------------------------------------------------------------------

def recorded_by(senim, actor) -> UUID:
    return senim.contacts.record({
        "service": "helpline", "channel": "phone", "started_at": utc_now() - timedelta(minutes=3),
        "contact_type": "counselling", "caller": {"role": "victim", "phone": "+7 705 000 00 01"},
        "summary": "Чужое обращение.",
    }, actor=actor).id


def test_a_consultant_cannot_open_or_change_another_consultants_contact(client, senim, make_user, consultant):
    other, _ = make_user("consultant")
    contact_id = recorded_by(senim, other)
    for path in (f"/contacts/{contact_id}", f"/contacts/{contact_id}/amend", f"/contacts/{contact_id}/saved"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You may not open this page" in response.get_data(as_text=True)
        assert "Чужое обращение." not in response.get_data(as_text=True)
    head = senim.store.head()
    token = csrf_token(client, "/contacts/new")
    for path, data in ((f"/contacts/{contact_id}/amend", {"channel": "email", "reason": "mine now"}),
                       (f"/contacts/{contact_id}/end", {}), (f"/contacts/{contact_id}/steps", {"redo_referral": "1"})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert senim.store.head() == head


def test_a_supervisor_opens_any_contact_and_the_read_is_logged(client, senim, make_user):
    other, _ = make_user("consultant")
    contact_id = recorded_by(senim, other)
    supervisor, _ = make_user("supervisor")
    sign_in(client, supervisor.username)
    senim.access.flush()
    head = senim.store.head()
    response = client.get(f"/contacts/{contact_id}")
    assert response.status_code == 200 and "Чужое обращение." in response.get_data(as_text=True)
    assert senim.access.pending == 1
    senim.access.flush()
    assert senim.store.head() > head  # the read is written to the access log


@pytest.mark.parametrize("role", ["psychologist", "supervisor"])
def test_psychologists_and_supervisors_record_contacts_too(client, senim, make_user, role):
    actor, _ = make_user(role)
    sign_in(client, actor.username)
    page = client.get("/contacts/new").get_data(as_text=True)
    expected = "family_service" if role == "psychologist" else "helpline"
    assert re.search(rf'<option value="{expected}" selected', page)
    contact_id = saved_id(save(client, call_token=call_token(), service=expected))
    assert senim.contacts.get(contact_id, actor=actor).recorded_by["user_id"] == actor.user_id


def test_admins_do_not_see_the_consultant_pages(client, make_user):
    admin, _ = make_user("admin")
    sign_in(client, admin.username)
    for path in ("/contacts/new", "/contacts"):
        assert client.get(path).status_code == 403


# Correcting -------------------------------------------------------------------------------------

def test_a_correction_needs_a_reason_and_then_shows_in_the_history(client, senim, consultant):
    contact_id = saved_id(save(client, call_token=call_token()))
    page = client.get(f"/contacts/{contact_id}/amend").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*checked', page))
    assert fields["channel"] == "phone"
    form = {**a_call(), "channel": "whatsapp", "ended_at": moment_value(senim.contacts.get(
        contact_id, actor=consultant).fields["ended_at"])}
    form["started_at"] = moment_value(senim.contacts.get(contact_id, actor=consultant).fields["started_at"])
    head = senim.store.head()
    refused = post_form(client, f"/contacts/{contact_id}/amend", {**form, "reason": "  "})
    assert refused.status_code == 422
    assert errors(refused)["reason"] == "Say why the contact is corrected."
    assert senim.store.head() == head

    done = post_form(client, f"/contacts/{contact_id}/amend", {**form, "reason": "Это был WhatsApp."})
    assert done.status_code == 302
    contact = senim.contacts.get(contact_id, actor=consultant)
    assert contact.fields["channel"] == "whatsapp" and contact.amendment_count == 1
    history = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Correction added" in history and "Это был WhatsApp." in history
    assert "Phone call" in history and "WhatsApp" in history and consultant.username in history


def test_a_correction_that_changes_nothing_says_so_and_writes_nothing(client, senim, consultant):
    contact_id = saved_id(save(client, call_token=call_token()))
    contact = senim.contacts.get(contact_id, actor=consultant)
    form = {**a_call(), "started_at": moment_value(contact.fields["started_at"]),
            "ended_at": moment_value(contact.fields["ended_at"]), "caller_age_group": "25_34", "reason": "Проверка."}
    head = senim.store.head()
    response = post_form(client, f"/contacts/{contact_id}/amend", form)
    assert response.status_code == 422
    assert "The correction changes nothing" in response.get_data(as_text=True)
    assert senim.store.head() == head


def test_a_correction_with_an_end_before_the_start_is_refused_beside_the_end(client, senim, consultant):
    contact_id = saved_id(save(client, call_token=call_token()))
    contact = senim.contacts.get(contact_id, actor=consultant)
    form = {**a_call(), "started_at": moment_value(contact.fields["started_at"]),
            "ended_at": moment_value(contact.fields["started_at"] - timedelta(minutes=1)), "reason": "Время."}
    response = post_form(client, f"/contacts/{contact_id}/amend", form)
    assert response.status_code == 422
    assert errors(response)["ended_at"] == "The end is before the start."


# My contacts ------------------------------------------------------------------------------------

def test_my_contacts_lists_only_my_own_newest_first_with_filters(client, senim, make_user, consultant):
    other, _ = make_user("consultant")
    recorded_by(senim, other)
    first = saved_id(save(client, call_token=call_token(), channel="whatsapp"))
    second = saved_id(save(client, call_token=call_token(), action="continue"))
    page = client.get("/contacts").get_data(as_text=True)
    ids = re.findall(r'href="/contacts/([0-9a-f-]{36})"', page)
    assert ids == [str(second), str(first)]
    open_only = client.get("/contacts?status=open").get_data(as_text=True)
    assert re.findall(r'href="/contacts/([0-9a-f-]{36})"', open_only) == [str(second)]
    whatsapp = client.get("/contacts?channel=whatsapp").get_data(as_text=True)
    assert re.findall(r'href="/contacts/([0-9a-f-]{36})"', whatsapp) == [str(first)]
    assert "No contacts match" in client.get("/contacts?date_to=2001-01-01").get_data(as_text=True)


def test_my_contacts_pages_through_a_long_list(client, senim, consultant):
    actor = consultant
    for _ in range(27):
        senim.contacts.record({"service": "helpline", "channel": "phone", "started_at": utc_now(),
                               "contact_type": "silent", "caller": {"role": "unknown"}}, actor=actor)
    client.get("/contacts")  # waits for the journal
    senim.projections.catch_up("journals")
    first = client.get("/contacts").get_data(as_text=True)
    assert len(re.findall(r'href="/contacts/[0-9a-f-]{36}"', first)) == 25
    assert "Page 1 of 2" in first
    second = client.get("/contacts?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/contacts/[0-9a-f-]{36}"', second)) == 2


@pytest.mark.parametrize("query", ["date_from=yesterday", "date_to=2020-02-30", "status=lost", "channel=<b>",
                                   "date_from=2025-05-01&date_to=2025-04-01", "page=-3", "page=abc",
                                   "page=999999999999999999999", "service=%00"])
def test_odd_filters_are_explained_never_a_500(client, consultant, query):
    response = client.get("/contacts?" + query)
    assert response.status_code in (200, 422), query


# Repeat callers ---------------------------------------------------------------------------------

def test_the_caller_lookup_counts_earlier_contacts_by_post_only(client, senim, consultant):
    saved_id(save(client, call_token=call_token(), caller_phone="8 (777) 111-22-33", make_referral="y",
                  referral_target="shelter", referral_urgency="urgent", referral_reason="Нужен приют."))
    token = csrf_token(client, "/contacts/new")
    answer = client.post("/contacts/caller-lookup", json={"phone": "+7 777 111 22 33"},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["count"] == 1 and "Earlier contacts from this number: 1." in body["message"]
    assert len(body["links"]) == 1 and any("Shelter" in line for line in body["referrals"])
    assert client.get("/contacts/caller-lookup").status_code == 405
    assert client.post("/contacts/caller-lookup", json={"phone": "+7 777 111 22 33"}).status_code == 400


@pytest.mark.parametrize("body", [None, [], {"phone": 77011234567}, {"phone": "abc"}, {"phone": "1" * 60}, "text",
                                  {"phone": None}])
def test_odd_lookups_are_refused_never_a_500(client, consultant, body):
    token = csrf_token(client, "/contacts/new")
    if isinstance(body, str):
        response = client.post("/contacts/caller-lookup", data=body, headers={"X-CSRFToken": token})
    else:
        response = client.post("/contacts/caller-lookup", json=body, headers={"X-CSRFToken": token})
    assert response.status_code in (200, 422)


# No input gives a 500 ---------------------------------------------------------------------------

ODD_VALUES = ["", "\x00", "☃" * 3, "x" * 5000, "-1", "0001-01-01T00:00", "9999-12-31T23:59:59", "2025-02-30T10:00",
              "<script>alert(1)</script>"]
FIELDS = ["service", "channel", "contact_type", "caller_role", "caller_gender", "caller_age", "caller_age_group",
          "caller_language", "caller_region", "caller_settlement", "caller_name", "caller_phone", "caller_address",
          "categories", "summary", "risk", "outcome", "consent_services", "consent_reporting", "make_referral",
          "referral_target", "referral_urgency", "referral_reason", "consent_override", "started_at", "call_token",
          "action", "vr-fear", "safety_step"]


@pytest.mark.parametrize("field", FIELDS)
def test_odd_values_in_any_field_never_give_a_500(client, senim, consultant, field):
    for value in ODD_VALUES:
        response = save(client, **{"call_token": call_token(), field: value})
        assert response.status_code in (200, 302, 422), (field, value, response.status_code)


def test_odd_values_in_a_correction_never_give_a_500(client, senim, consultant):
    contact_id = saved_id(save(client, call_token=call_token()))
    for field in FIELDS + ["ended_at", "reason"]:
        for value in ODD_VALUES[:5]:
            response = post_form(client, f"/contacts/{contact_id}/amend", {**a_call(), field: value, "reason": "r"},
                                 token_from="/contacts/new")
            assert response.status_code in (302, 409, 422), (field, value, response.status_code)


def test_a_save_after_the_idle_timeout_goes_to_sign_in_and_writes_nothing(client, senim, consultant):
    data = {**a_call(call_token=call_token()), "csrf_token": csrf_token(client, "/contacts/new")}
    with client.session_transaction() as session:
        session["seen"] = 0  # the last activity long ago
    head = senim.store.head()
    response = client.post("/contacts/new", data=data)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # The only thing written is the end of this browser's session, on the consultant's record.
    written = [n.topic for n in senim.store.recorder.select_notifications(head + 1, 100)]
    assert len(written) == 1 and written[0].endswith("SignedOut"), written
    signed_out = list(senim.store.events_of(UUID(consultant.user_id)))[-1]
    assert (signed_out.reason, signed_out.everywhere) == ("idle", False)
    # Signed in again, the consultant lands on a new call, where the browser brings the draft back.
    assert sign_in(client, consultant.username).headers["Location"].endswith("/contacts/new")


def test_addresses_that_are_not_contacts_are_404_pages(client, consultant):
    for path in ("/contacts/not-an-id", f"/contacts/{UUID(int=7)}", f"/contacts/{UUID(int=7)}/amend",
                 f"/contacts/{UUID(int=7)}/saved"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.content_type.startswith("text/html")


def test_a_saved_page_ignores_records_of_other_contacts_in_its_address(client, senim, consultant):
    first = saved_id(save(client, call_token=call_token(), **{"vr-fear": "yes"}))
    response = save(client, call_token=call_token(), **{"vr-fear": "no"})
    second = saved_id(response)
    assessment = re.search(r"assessment=([0-9a-f-]{36})", response.headers["Location"]).group(1)
    page = client.get(f"/contacts/{first}/saved?assessment={assessment}&referral=junk").get_data(as_text=True)
    assert "No checklist was filled in during this call." in page
    assert str(second) != str(first)



def test_a_psychologist_opening_a_case_with_a_victims_call_adds_the_victim_by_role_only(client, senim, make_user):
    """What a psychologist cannot read in a case they do not write there: the caller's name and phone
    stay on the contact they recorded, and the case gets "Victim 1" without them (not a failed step)."""
    psychologist, _ = make_user("psychologist")
    assert sign_in(client, psychologist.username).status_code == 302
    response = save(client, call_token=call_token(), service="family_service", open_case="y", caller_name="Айгүл")
    contact_id = saved_id(response)
    contact = senim.contacts.get(contact_id, actor=psychologist)
    assert contact.fields["caller"]["name"] == "Айгүл"
    case = senim.cases.get(contact.fields["case_id"], actor=psychologist)
    assert [(person["role"], person["name"], person["phone"]) for person in case.persons.values()] == [
        ("victim", None, None)]


# A night on the line (issue 15) -----------------------------------------------------------------

def test_a_new_call_is_not_answered_until_its_first_key_and_without_scripts_starts_when_the_page_opened(
        client, senim, consultant):
    page = client.get("/contacts/new").get_data(as_text=True)
    assert re.search(r'id="started_at"[^>]*value=""', page) or 'value=""' in re.search(
        r'<input[^>]*id="started_at"[^>]*>', page).group(0)
    opened = re.search(r'name="opened_at" value="([^"]+)"', page).group(1)
    contact_id = saved_id(save(client, call_token=call_token(), started_at="", opened_at=opened))
    assert moment_value(senim.contacts.get(contact_id, actor=consultant).fields["started_at"]) == opened


def test_the_saved_page_shows_the_journal_number(client, consultant):
    response = save(client, call_token=call_token(), contact_type="silent", caller_role="unknown",
                    categories=[], risk=[], outcome=[], summary="")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="journal-number">\d+/\d{4}<', page)


def again(client, token, **body):
    return client.post("/login/again", json=body, headers={"X-CSRFToken": token})


def test_signing_in_again_in_place_answers_a_fresh_token_and_only_for_the_page_s_own_user(
        client, make_user):
    actor, _ = make_user("consultant")
    other, _ = make_user("consultant")
    token = client.get("/login/token").get_json()["csrf_token"]
    assert again(client, token, username=actor.username, password="wrong", user=actor.user_id).status_code == 401
    assert again(client, token, username=other.username, password="correct horse 1",
                 user=actor.user_id).status_code == 403
    assert client.get("/contacts/new").status_code == 302  # the other person was not signed in here
    assert again(client, token, username=actor.username, password=None).status_code == 422
    answer = again(client, token, username=actor.username, password="correct horse 1", user=actor.user_id)
    assert answer.status_code == 200 and answer.get_json()["user"] == actor.user_id
    fresh = answer.get_json()["csrf_token"]
    assert client.post("/keepalive", json={}, headers={"X-CSRFToken": fresh}).status_code == 200
    assert client.get("/contacts/new").status_code == 200


def a_consultation(**changes) -> dict:
    day = (utc_now() - timedelta(days=1)).date().isoformat()
    data = {"format": "online", "day": day, "start": "10:00", "end": "10:45", "colleague": "",
            "caller_role": "victim", "categories": ["psychological_abuse"], "summary": "Онлайн, вдвоём.",
            "consent_services": "yes", "consent_reporting": "yes", "call_token": uuid4().hex}
    data.update(changes)
    return data


def test_the_family_service_records_a_consultation_with_its_pair_colleague(client, senim, make_user):
    psychologist = signed_in_as(make_user, client, "psychologist")
    colleague, _ = make_user("psychologist")
    response = post_form(client, "/consultations/new", a_consultation(colleague=colleague.username))
    contact = senim.contacts.get(saved_id(response), actor=psychologist)
    assert contact.fields["service"] == "family_service" and contact.fields["channel"] == "video"
    assert (contact.fields["ended_at"] - contact.fields["started_at"]) == timedelta(minutes=45)
    assert contact.fields["colleague"]["user_id"] == colleague.user_id


def test_a_consultation_s_pair_colleague_is_another_psychologist(client, make_user):
    psychologist = signed_in_as(make_user, client, "psychologist")
    consultant, _ = make_user("consultant")
    for name in (consultant.username, psychologist.username):
        response = post_form(client, "/consultations/new", a_consultation(colleague=name))
        assert response.status_code == 422
        assert "colleague" in errors(response)
    response = post_form(client, "/consultations/new", a_consultation(end="09:00"))
    assert response.status_code == 422 and "start" in errors(response)


def test_consultants_do_not_record_family_service_consultations(client, consultant):
    assert client.get("/consultations/new").status_code == 403
