"""Supervisors' audit pages through Flask's test client: cases, a case's history (filters, as of a
moment), the access log; only supervisors; bad input is explained, never a 500."""
import re
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain import instruments
from domain.case import Case
from projections.access_log import access_rows
from tests.helpers.web import ERROR, pages_in, sign_in

english = pages_in("en")


@pytest.fixture
def staff(make_user):
    consultant, consultant_headers = make_user("consultant")
    psychologist, psychologist_headers = make_user("psychologist")
    supervisor, _ = make_user("supervisor")
    return {"consultant": consultant, "consultant_headers": consultant_headers, "psychologist": psychologist,
            "psychologist_headers": psychologist_headers, "supervisor": supervisor}


@pytest.fixture
def case(senim, staff):
    """A case opened from a contact, with a victim, a note, a referral, an assessment; then closed."""
    consultant, supervisor = staff["consultant"], staff["supervisor"]
    contact = senim.contacts.record({
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": datetime.now(timezone.utc) - timedelta(minutes=30), "caller": {"role": "victim"},
        "summary": "Husband threatens."}, actor=consultant)
    opened = senim.cases.open({"contact_id": contact.id, "summary": "Threats at home",
                               "persons": [{"role": "victim", "name": "Aigul S.", "phone": "+7 701 234 5678"},
                                           {"role": "aggressor", "name": "Bolat S."}]}, actor=consultant)
    referral = senim.referrals.make({
        "source": "helpline", "target": "family_service", "urgency": "routine", "reason": "Aggressor asks for help.",
        "consent": {"services": True}, "subject_role": "aggressor", "case_id": opened.id}, actor=consultant)
    senim.referrals.claim(referral.id, actor=staff["psychologist"])
    answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
    assessment = senim.assessments.record({"instrument": "victim_risk", "answers": answers, "case_id": opened.id},
                                          actor=consultant)
    senim.cases.add_note(opened.id, text="Called back, safe tonight.", actor=consultant)
    senim.cases.close(opened.id, reason="Family service took over", actor=supervisor)
    return {"id": opened.id, "contact": contact.id, "referral": referral.id, "assessment": assessment.id}


def signed_in(client, actor):
    assert sign_in(client, actor.username).status_code == 302
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def events_table(response) -> str:
    page = response.get_data(as_text=True)
    return text_of(page.split('<table class="events">', 1)[1].split("</table>", 1)[0])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def errors(response) -> dict[str, str]:
    return {field: message.strip() for field, message in ERROR.findall(response.get_data(as_text=True))}


def refused_naming(client, supervisor, path: str, field: str) -> str:
    """The page a supervisor gets for a bad filter: 422, the field named next to it; its HTML."""
    signed_in(client, supervisor)
    response = client.get(path)
    assert response.status_code == 422
    assert field in errors(response)
    return response.get_data(as_text=True)


def case_events(senim, case_id) -> list:
    return list(senim.store.events_of(UUID(str(case_id))))


# Who may open the pages -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["consultant", "psychologist", "admin"])
def test_only_supervisors_open_the_audit_pages(client, make_user, case, role):
    actor, _ = make_user(role)
    signed_in(client, actor)
    for path in ("/cases", f"/cases/{case['id']}", f"/cases/{case['id']}?as_of=2020-01-01T00:00",
                 f"/audit/access?record_id={case['contact']}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.content_type.startswith("text/html")


def test_without_signing_in_the_audit_pages_send_to_the_sign_in_page(client, case):
    for path in ("/cases", f"/cases/{case['id']}", "/audit/access"):
        assert "/login" in client.get(path).headers["Location"]


def test_a_page_refused_to_others_is_noted_as_a_refused_read_of_the_case(client, senim, make_user, case):
    actor, _ = make_user("consultant")
    assert signed_in(client, actor).get(f"/cases/{case['id']}").status_code == 403
    senim.access.flush()
    senim.projections.catch_up("access_log")
    with senim.views.transaction(write=False) as tx:
        rows = access_rows(tx, record_id=str(case["id"]), user_id=actor.user_id)
    assert [(row["kind"], row["outcome"], row["remote_addr"]) for row in rows] == [("case", "refused", "127.0.0.1")]


# The case list ------------------------------------------------------------------------------------

def test_the_case_list_shows_status_owner_and_counts_and_filters_by_status(client, staff, case, senim):
    other = senim.cases.open({"summary": "Another"}, actor=staff["consultant"])
    signed_in(client, staff["supervisor"])
    page = client.get("/cases").get_data(as_text=True)
    row = re.search(rf'{str(case["id"])[:8]}</a></th>(.*?)</tr>', page, re.DOTALL).group(1)
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
    assert "Closed" in cells[0] and cells[1] == staff["consultant"].username
    assert cells[4:] == ["1", "1", "1"]
    closed_only = client.get("/cases?status=closed").get_data(as_text=True)
    assert str(case["id"])[:8] in closed_only and str(other.id)[:8] not in closed_only
    by_owner = client.get(f"/cases?owner={staff['supervisor'].username}").get_data(as_text=True)
    assert "No case matches these filters." in by_owner


def test_a_case_is_opened_by_its_number_and_a_wrong_number_is_explained(client, staff, case):
    signed_in(client, staff["supervisor"])
    found = client.get(f"/cases?case_id=  {case['id']}  ")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/cases/{case['id']}")
    wrong = client.get("/cases?case_id=no-such-case")
    assert wrong.status_code == 422 and errors(wrong)["case_id"].startswith("Type or paste a case number")
    assert client.get("/cases?status=lost&owner=%00&offset=-7").status_code == 422


# A case's history ---------------------------------------------------------------------------------

def test_the_history_holds_every_event_of_the_case_and_its_records_with_who_and_when(client, staff, case):
    signed_in(client, staff["supervisor"])
    response = client.get(f"/cases/{case['id']}")
    assert response.status_code == 200
    table = events_table(response)
    for what in ("Contact recorded", "Case opened", "Person added", "Contact corrected", "Referral made",
                 "Referral taken by a psychologist", "Assessment recorded", "Note added", "Case closed"):
        assert what in table, what
    assert f"{staff['psychologist'].username} · psychologist" in table
    assert f"{staff['supervisor'].username} · supervisor" in table
    assert "Reason: Family service took over" in table and "Joined this case" in table
    assert "Victim risk checklist" in table
    page = response.get_data(as_text=True)
    for record in (case["id"], case["contact"], case["referral"], case["assessment"]):
        assert f'/audit/access?record_id={record}"' in page


def test_the_history_speaks_the_pages_language(client, senim, staff, case):
    senim.staff.choose_language(UUID(staff["supervisor"].user_id), "ru", actor=staff["supervisor"])
    signed_in(client, staff["supervisor"])
    table = events_table(client.get(f"/cases/{case['id']}"))
    assert "Дело закрыто" in table and "Обращение зарегистрировано" in table


def test_the_history_filters_by_event_type_kind_actor_and_person(client, senim, staff, case):
    signed_in(client, staff["supervisor"])
    closed = events_table(client.get(f"/cases/{case['id']}?type=Case.Closed"))
    assert "Case closed" in closed and "Case opened" not in closed and "1 of " in closed
    referrals = events_table(client.get(f"/cases/{case['id']}?type=referral"))
    assert "Referral made" in referrals and "Case opened" not in referrals
    by_psychologist = events_table(client.get(f"/cases/{case['id']}?who={staff['psychologist'].user_id}"))
    assert "Referral taken by a psychologist" in by_psychologist and "Case closed" not in by_psychologist
    victim = next(person for person in senim.cases.get(case["id"], actor=staff["supervisor"]).persons.values()
                  if person["role"] == "victim")
    by_person = events_table(client.get(f"/cases/{case['id']}?person={victim['person_id']}"))
    assert "Person added" in by_person and "Victim 1" in by_person and "Aggressor 1" not in by_person


def test_the_case_as_it_stood_at_an_earlier_moment(client, senim, staff, case):
    signed_in(client, staff["supervisor"])
    opened = next(event for event in case_events(senim, case["id"]) if isinstance(event, Case.Opened))
    response = client.get(f"/cases/{case['id']}", query_string={"as_of": opened.timestamp.isoformat()})
    assert response.status_code == 200
    page = text(response)
    assert "The case as it stood at" in page
    state = page.split("The case as it stood at", 1)[1].split("Events", 1)[0]
    assert "Status In progress" in state and "Closed" not in state and "Called back" not in state
    table = events_table(response)
    assert "Case opened" in table and "Case closed" not in table and "Note added" not in table
    now = text(client.get(f"/cases/{case['id']}"))
    assert "The case now" in now and "Status Closed" in now


def test_a_moment_typed_in_the_picker_counts_to_the_end_of_its_second(client, senim, staff, case):
    signed_in(client, staff["supervisor"])
    closed = case_events(senim, case["id"])[-1]
    local = closed.timestamp.astimezone(timezone(timedelta(hours=5)))
    typed = local.strftime("%Y-%m-%dT%H:%M:%S")
    response = client.get(f"/cases/{case['id']}?as_of={typed}")
    assert "Case closed" in events_table(response)
    assert f'value="{typed}"' in response.get_data(as_text=True)
    earlier = (local - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    before = client.get(f"/cases/{case['id']}?as_of={earlier}")
    assert "The case had not been opened yet at that moment." in text(before)


@pytest.mark.parametrize("query, field", [
    ("as_of=yesterday", "as_of"), ("as_of=2026-02-30T10:00", "as_of"), ("as_of=0001-01-01T00:00", "as_of"),
    ("as_of=1999-12-31T23:00", "as_of"), ("type=Case.Exploded", "type"), ("who=nobody", "who"),
    ("person=not-a-person", "person"), ("person=3f0c9a52-7d1e-4b8a-9a55-2c1f0e6b7d10", "person"),
])
def test_bad_filters_of_the_history_are_explained_next_to_the_field(client, staff, case, query, field):
    page = refused_naming(client, staff["supervisor"], f"/cases/{case['id']}?{query}", field)
    assert 'class="error-summary"' in page


@pytest.mark.parametrize("query", ["as_of=9999-12-31T23:59:59", "as_of=2026-01-01T10:00:00%2B14:00",
                                   "as_of=" + "9" * 3000, "type=" + "x" * 5000, "as_of=%00", "who=%ff%fe"])
def test_odd_input_never_breaks_the_history(client, staff, case, query):
    signed_in(client, staff["supervisor"])
    assert client.get(f"/cases/{case['id']}?{query}").status_code in (200, 422)


def test_an_unknown_case_is_a_404_page(client, staff):
    signed_in(client, staff["supervisor"])
    for path in ("/cases/3f0c9a52-7d1e-4b8a-9a55-2c1f0e6b7d10", "/cases/not-a-case"):
        response = client.get(path)
        assert response.status_code == 404 and response.content_type.startswith("text/html")


def test_every_view_of_a_case_page_is_noted_in_the_access_log(client, senim, staff, case):
    signed_in(client, staff["supervisor"])
    head = senim.store.head()
    client.get(f"/cases/{case['id']}")
    client.get(f"/cases/{case['id']}?type=Case.Closed")
    assert senim.store.head() == head  # reading writes nothing but the (buffered) access log
    senim.access.flush()
    senim.projections.catch_up("access_log")
    with senim.views.transaction(write=False) as tx:
        reads = access_rows(tx, record_id=str(case["id"]), kind="case")
    assert len(reads) == 2 and {read["username"] for read in reads} == {staff["supervisor"].username}


# The access log ------------------------------------------------------------------------------------

def test_the_access_log_of_a_contact_lists_who_opened_it_when_and_from_where(client, staff, case):
    consultant_headers = staff["consultant_headers"]
    assert client.get(f"/api/v1/contacts/{case['contact']}", headers=consultant_headers).status_code == 200
    signed_in(client, staff["supervisor"])
    response = client.get(f"/audit/access?record_id={case['contact']}")
    assert response.status_code == 200
    table = text(response).split("Reads of record", 1)[1]
    assert f"{staff['consultant'].username} · consultant" in table and "contact record" in table
    assert "127.0.0.1" in table


def test_the_access_log_accepts_an_id_pasted_with_its_link_and_lists_a_case_read_from_the_pages(client, staff, case):
    signed_in(client, staff["supervisor"])
    client.get(f"/cases/{case['id']}")
    response = client.get("/audit/access", query_string={"record_id": f" http://senim/cases/{case['id']} "})
    assert response.status_code == 200
    assert f"{staff['supervisor'].username} · supervisor" in text(response).split("Reads of record", 1)[1]
    assert f'href="/cases/{case["id"]}"' in response.get_data(as_text=True)


def test_the_access_log_filters_by_person_and_kind(client, staff, case):
    assert client.get(f"/api/v1/contacts/{case['contact']}", headers=staff["consultant_headers"]).status_code == 200
    signed_in(client, staff["supervisor"])
    client.get(f"/cases/{case['id']}")
    by_consultant = text(client.get(f"/audit/access?user={staff['consultant'].user_id}"))
    assert "contact record" in by_consultant.split("Reads, newest first", 1)[1]
    assert "case file" not in by_consultant.split("Reads, newest first", 1)[1]
    cases_only = text(client.get("/audit/access?kind=case")).split("Reads, newest first", 1)[1]
    assert "case file" in cases_only and "contact record" not in cases_only


@pytest.mark.parametrize("query, field", [
    ("record_id=12345", "record_id"), ("kind=password", "kind"), ("user=someone", "user"),
    ("date_from=2026-13-01", "date_from"), ("date_from=2026-05-02&date_to=2026-05-01", "date_to"),
])
def test_bad_filters_of_the_access_log_are_explained_and_list_nothing(client, staff, case, query, field):
    page = refused_naming(client, staff["supervisor"], f"/audit/access?{query}", field)
    assert '<table class="reads">' not in page


@pytest.mark.parametrize("query", ["cursor=9-9", "cursor=zzz", "record_id=" + "a" * 5000, "date_to=9999-12-31",
                                   "date_from=0001-01-01", "record_id=%00"])
def test_odd_input_never_breaks_the_access_log(client, staff, query):
    signed_in(client, staff["supervisor"])
    assert client.get(f"/audit/access?{query}").status_code in (200, 422)


def refused_rows(senim, user_id: str) -> list[tuple[str, str]]:
    senim.access.flush()
    senim.projections.catch_up("access_log")
    with senim.views.transaction(write=False) as tx:
        return [(row["kind"], row["record_id"]) for row in access_rows(tx, user_id=user_id, outcome="refused")]


def test_pages_of_records_refused_to_a_user_are_noted_as_refused(client, senim, make_user, staff, case):
    other, _ = make_user("consultant")
    signed_in(client, other)
    assert client.get(f"/contacts/{case['contact']}").status_code == 403
    assert client.get(f"/contacts/{case['contact']}/amend").status_code == 403
    assert client.get(f"/referrals/{case['referral']}").status_code == 403  # a psychologist's page
    assert client.get("/journals?service=helpline").status_code == 403  # a supervisor's page
    assert refused_rows(senim, other.user_id) == [
        ("journal", "helpline"), ("referral", str(case["referral"])), ("contact", str(case["contact"])),
        ("contact", str(case["contact"]))]


def test_a_record_named_in_a_pages_address_and_refused_is_noted(client, senim, make_user, staff, case):
    """The saved-contact page leaves out an assessment it may not show rather than answer 403: still noted."""
    owner = staff["consultant"]
    own = senim.contacts.record({
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": datetime.now(timezone.utc) - timedelta(minutes=5), "caller": {"role": "victim"}}, actor=owner)
    other, _ = make_user("consultant")
    foreign = senim.contacts.record({
        "service": "helpline", "channel": "phone", "contact_type": "counselling",
        "started_at": datetime.now(timezone.utc) - timedelta(minutes=5), "caller": {"role": "victim"}}, actor=other)
    answers = {item["id"]: "no" for item in instruments.get("victim_risk")["items"]}
    foreign_assessment = senim.assessments.record(
        {"instrument": "victim_risk", "answers": answers, "contact_id": foreign.id}, actor=other)
    signed_in(client, owner)
    assert client.get(f"/contacts/{own.id}/saved?assessment={foreign_assessment.id}").status_code == 200
    assert refused_rows(senim, owner.user_id) == [("assessment", str(foreign_assessment.id))]


def test_the_access_log_page_shows_refusals_and_filters_on_the_outcome(client, make_user, staff, case):
    other, other_headers = make_user("consultant")
    assert client.get(f"/api/v1/contacts/{case['contact']}", headers=staff["consultant_headers"]).status_code == 200
    assert client.get(f"/api/v1/contacts/{case['contact']}", headers=other_headers).status_code == 403
    signed_in(client, staff["supervisor"])

    everything = text(client.get(f"/audit/access?record_id={case['contact']}")).split("Reads of record", 1)[1]
    refused = client.get(f"/audit/access?record_id={case['contact']}&outcome=refused")
    only_refused = text(refused).split("Reads of record", 1)[1]
    only_allowed = text(client.get(f"/audit/access?record_id={case['contact']}&outcome=allowed"))

    assert f"{other.username} · consultant" in everything and "Refused" in everything and "Allowed" in everything
    assert f"{other.username} · consultant" in only_refused and staff["consultant"].username not in only_refused
    assert '<option selected value="refused">' in refused.get_data(as_text=True)
    table = only_allowed.split("Reads of record", 1)[1]
    assert staff["consultant"].username in table and other.username not in table and "Refused" not in table
    bad = client.get("/audit/access?outcome=perhaps")
    assert bad.status_code == 422 and "outcome" in errors(bad)


@pytest.mark.parametrize("language, refused, choice", [("ru", "Отказано", "Разрешённые и отказанные"),
                                                       ("kk", "Бас тартылды", "Рұқсат етілген немесе бас тартылған")])
def test_the_outcome_speaks_the_pages_language(client, senim, make_user, staff, case, language, refused, choice):
    _, other_headers = make_user("consultant")
    assert client.get(f"/api/v1/contacts/{case['contact']}", headers=other_headers).status_code == 403
    senim.staff.choose_language(UUID(staff["supervisor"].user_id), language, actor=staff["supervisor"])
    signed_in(client, staff["supervisor"])
    page = text(client.get(f"/audit/access?record_id={case['contact']}"))
    assert refused in page and choice in page
