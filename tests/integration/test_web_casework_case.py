"""The case page's own parts of casework through Flask's test client, in Russian: taking a family on
and extending the agreement, safety plans, safe contact (hidden from psychologists for a victim or
a child), closing with a coded reason and per-child outcomes, follow-ups and reopening from one;
and the danger panel's steps of a call starting the safety plan of the case opened from it."""
import html
import re
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.clock import local, utc_now
from domain.safety_plan import SafetyPlan, plan_id
from intake.web.consultant_forms import moment_value
from tests.helpers.web import ERROR, pages_in, post_form, signed_in_as

russian = pages_in("ru")
SAVED = re.compile(r"/contacts/([0-9a-f-]{36})/saved")


@pytest.fixture
def worker(make_user, client):
    return signed_in_as(make_user, client, "consultant")


@pytest.fixture
def family(senim, worker):
    """A case of the signed-in consultant: a victim, an aggressor and a child."""
    case_id = senim.cases.open({"summary": "Семья Н.", "persons": [
        {"role": "victim", "name": "Айгүл", "phone": "+7 701 111 2233"}, {"role": "aggressor", "name": "Болат"},
        {"role": "child", "name": "Әлия"}]}, actor=worker).id
    case = senim.cases.get(case_id, actor=worker)
    victim, aggressor, child = list(case.persons)
    return {"id": case_id, "victim": victim, "aggressor": aggressor, "child": child}


def page_of(client, case_id) -> str:
    response = client.get(f"/casework/cases/{case_id}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.unescape(response.get_data(as_text=True))


def send(client, case_id, path: str, data: dict):
    return post_form(client, f"/casework/cases/{case_id}{path}", data, token_from=f"/casework/cases/{case_id}")


def errors(response) -> dict[str, str]:
    return {field: " ".join(html.unescape(message).split())
            for field, message in ERROR.findall(response.get_data(as_text=True))}


def today() -> str:
    return local(utc_now()).date().isoformat()


def test_a_family_is_taken_on_and_an_extension_keeps_the_first_agreement(client, senim, worker, family):
    body = page_of(client, family["id"])
    assert "Соглашение" in body and "Семья ещё не принята" in body
    done = send(client, family["id"], "/agreement", {
        "agreement-service": "family_service", "agreement-source": "school", "agreement-organisation": "Школа № 5",
        "agreement-region": "almaty", "agreement-agreement_on": "2025-02-03", "agreement-term_months": "24"})
    assert done.status_code == 302 and done.headers["Location"].endswith("#agreement")
    body = page_of(client, family["id"])
    assert "Организация образования (школа)" in body and "Школа № 5" in body and "24 мес." in body
    send(client, family["id"], "/agreement", {
        "agreement-service": "family_service", "agreement-source": "school", "agreement-agreement_on": today(),
        "agreement-term_months": "12"})
    case = senim.cases.get(family["id"], actor=worker)
    assert case.agreement["term_months"] == 12 and case.agreement["extension"] is True
    assert [entry["term_months"] for entry in case.agreements] == [24, 12]
    assert "Прежние соглашения" in page_of(client, family["id"])


def test_a_bad_agreement_comes_back_with_the_message_beside_the_field(client, senim, worker, family):
    head = senim.store.head()
    refused = send(client, family["id"], "/agreement", {
        "agreement-service": "family_service", "agreement-source": "school",
        "agreement-agreement_on": "2999-01-01", "agreement-term_months": "12"})
    assert refused.status_code == 422
    assert "в будущем" in errors(refused)["agreement-agreement_on"]
    assert senim.store.head() == head


def test_a_safety_plan_is_made_then_revised_with_a_reason_and_the_first_version_kept(client, senim, worker, family):
    short = str(family["victim"])[:8]
    made = send(client, family["id"], f"/persons/{family['victim']}/safety-plan", {
        f"plan-{short}-steps": ["safe_place", "code_word"], f"plan-{short}-own_steps": "Ключ у соседки\n\n",
        f"plan-{short}-agreed_on": today(), f"plan-{short}-review_on": "2030-01-01"})
    assert made.status_code == 302, errors(made)
    body = page_of(client, family["id"])
    assert "Кодовое слово с близким человеком" in body and "Ключ у соседки" in body
    refused = send(client, family["id"], f"/persons/{family['victim']}/safety-plan", {
        f"plan-{short}-steps": ["bag_ready"], f"plan-{short}-agreed_on": today(),
        f"plan-{short}-review_on": "2030-02-01"})
    assert refused.status_code == 422 and f"plan-{short}-reason" in errors(refused)
    revised = send(client, family["id"], f"/persons/{family['victim']}/safety-plan", {
        f"plan-{short}-steps": ["bag_ready"], f"plan-{short}-agreed_on": today(),
        f"plan-{short}-review_on": "2030-02-01", f"plan-{short}-reason": "Собрала сумку"})
    assert revised.status_code == 302
    plan = senim.store.load(plan_id(family["id"], family["victim"]), SafetyPlan)
    assert plan.steps == ["bag_ready"] and [version["steps"] for version in plan.versions] == [
        ["safe_place", "code_word"], ["bag_ready"]]
    assert "Прежние версии" in page_of(client, family["id"])


def test_safe_contact_is_shown_before_contacting_and_hidden_from_the_psychologist(
        client, app, senim, worker, family, make_user):
    short = str(family["victim"])[:8]
    saved = send(client, family["id"], f"/persons/{family['victim']}/safe-contact", {
        f"safe-{short}-channels": ["whatsapp"], f"safe-{short}-times": "будни 10–12",
        f"safe-{short}-leave_message": "no", f"safe-{short}-if_someone_else_answers": "Скажите, что из поликлиники"})
    assert saved.status_code == 302, errors(saved)
    body = page_of(client, family["id"])
    assert "будни 10–12" in body and "Скажите, что из поликлиники" in body and "WhatsApp" in body

    psychologist = make_user("psychologist")[0]
    senim.cases.add_worker(family["id"], user_id=UUID(psychologist.user_id), reason="работа с агрессором", actor=worker)
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    from tests.helpers.web import sign_in
    assert sign_in(other, psychologist.username).status_code == 302
    body = page_of(other, family["id"])
    assert "будни 10–12" not in body and "поликлиники" not in body and "Ключ" not in body
    assert "Скрыто" in body
    assert f"/persons/{family['victim']}/safe-contact" not in body  # no form offered
    refused = send(other, family["id"], f"/persons/{family['victim']}/safe-contact", {
        f"safe-{short}-channels": ["phone"], f"safe-{short}-leave_message": "yes"})
    assert refused.status_code == 403
    assert senim.cases.get(family["id"], actor=worker).safe_contacts[family["victim"]]["channels"] == ["whatsapp"]


def test_a_case_closed_with_a_coded_reason_is_followed_up_and_reopened_from_the_follow_up(
        client, senim, worker, family):
    child = family["child"]
    refused = send(client, family["id"], "/closure", {"close-reason_code": "other", "close-closed_on": today()})
    assert refused.status_code == 422 and "close-reason" in errors(refused)
    early = send(client, family["id"], "/follow-ups", {"follow_up-due_months": "3", "follow_up-finding": "doing_well"})
    assert early.status_code == 409 and "закрыт" in html.unescape(early.get_data(as_text=True))

    closed = send(client, family["id"], "/closure", {
        "close-reason_code": "self_sufficient", "close-closed_on": today(),
        f"outcome-{child}-removal_prevented": "yes", f"outcome-{child}-wellbeing_improved": "no"})
    assert closed.status_code == 302, errors(closed)
    case = senim.cases.get(family["id"], actor=worker)
    assert case.closure["reason_code"] == "self_sufficient"
    assert case.closure["child_outcomes"] == [{"person_id": child, "removal_prevented": "yes",
                                               "returned_home": "unknown", "wellbeing_improved": "no"}]
    body = page_of(client, family["id"])
    assert "Цели достигнуты: семья справляется самостоятельно" in body and "Через 3 мес." in body

    noted = send(client, family["id"], "/follow-ups", {
        "follow_up-due_months": "3", "follow_up-finding": "needs_help_again", "follow_up-note": "Снова угрозы",
        "follow_up-held_on": today()})
    assert noted.status_code == 302, errors(noted)
    follow_up = senim.cases.get(family["id"], actor=worker).follow_ups[0]["follow_up_id"]
    body = page_of(client, family["id"])
    assert "Снова нужна помощь" in body and "Снова угрозы" in body
    reopened = send(client, family["id"], "/reopening", {
        "reopen-reason": "Повторное обращение", "reopen-from_follow_up": str(follow_up)})
    assert reopened.status_code == 302, errors(reopened)
    case = senim.cases.get(family["id"], actor=worker)
    assert case.status == "reopened" and case.history[-1]["from_follow_up"] == follow_up
    assert [entry["status"] for entry in case.history] == ["open", "closed", "reopened"]


def test_the_danger_panel_steps_are_kept_with_the_call_and_start_the_plan_of_its_case(client, senim, worker):
    data = {
        "service": "helpline", "channel": "phone", "contact_type": "counselling", "caller_role": "victim",
        "caller_gender": "female", "caller_age": "34", "caller_region": "almaty", "categories": ["physical_assault"],
        "risk": ["immediate_danger"], "outcome": ["safety_planning"], "consent_services": "yes",
        "consent_reporting": "no", "started_at": moment_value(utc_now() - timedelta(minutes=5)),
        "call_token": uuid4().hex, "action": "end", "open_case": "y",
        "safety_step": ["safe_now", "code_word", "made_up"],
    }
    response = post_form(client, "/contacts/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    contact_id = UUID(SAVED.search(response.headers["Location"]).group(1))
    contact = senim.contacts.get(contact_id, actor=worker)
    assert contact.fields["safety_steps"] == ["safe_now", "code_word"]
    case_id = contact.fields["case_id"]
    case = senim.cases.get(case_id, actor=worker)
    caller = next(iter(case.persons))
    plan = senim.store.load(plan_id(case_id, caller), SafetyPlan)
    assert plan.steps == ["safe_now", "code_word"] and plan.contact_id == contact_id
    assert "Кодовое слово с близким человеком" in page_of(client, case_id)


def test_the_supervisors_history_of_the_case_says_the_casework_in_words(senim, worker, family, make_user, app):
    senim.casework.take_on(family["id"], {"service": "family_service", "source": "police", "agreement_on": today(),
                                          "term_months": 12}, actor=worker)
    senim.casework.set_safe_contact(family["id"], family["victim"], {"channels": ["phone"]}, actor=worker)
    senim.cases.close(family["id"], reason=None, reason_code="moved_away", actor=worker)
    senim.casework.record_follow_up(family["id"], {"due_months": 3, "finding": "not_reached"}, actor=worker)
    supervisor = app.test_client()
    supervisor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    from tests.helpers.web import sign_in
    assert sign_in(supervisor, make_user("supervisor")[0].username).status_code == 302
    response = supervisor.get(f"/cases/{family['id']}")
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    for words in ("Семья принята по соглашению", "Полиция", "Записана безопасная связь", "Семья переехала",
                  "Записана проверка после закрытия", "Связаться не удалось"):
        assert words in body, words
    assert ">Case.TakenOn<" not in body and ">Case.FollowUpRecorded<" not in body


def test_the_case_parts_speak_kazakh(client, family):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "kk"
    body = page_of(client, family["id"])
    for words in ("Келісім", "Қауіпсіздік жоспарлары", "Қауіпсіз байланыс", "Жабу және кейінгі бақылау",
                  "Зардап шеккен адам"):
        assert words in body, words
    for english in ("Agreement", "Safety plans", "Safe contact", "Close the case"):
        assert english not in body, english
