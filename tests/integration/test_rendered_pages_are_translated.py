"""Every page each role opens, rendered in Kazakh and in Russian, holds no English word of the UI's
own messages, no raw code (family_service, helpline, all) and no record id (issue 15, item 15).

tests/unit/test_translations.py checks the catalogues and the templates; this reads what a person
actually sees, where a value passed through unworded (a reason the system wrote, a code shown as
is) slips past both. The words looked for are those of the English messages and labels: if one of
them shows on a kk or ru page, something reached the page in English."""
import html
import re
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain import instruments, reference
from domain.schedule import WEEKDAYS, WeeklySchedule
from tests.conftest import ADMIN
from tests.helpers.i18n import UNTRANSLATABLE, extract_messages
from tests.helpers.web import sign_in

EVERY_DAY = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
SNAKE_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
TWO_DIGIT_YEAR = re.compile(r"(?<![\d.])\d{2}\.\d{2}\.\d{2}(?![\d.])")  # 03.12.26: one format, the year in full
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Words that are the same in every language, or names: brands, acronyms, the app's own name.
SAME_EVERYWHERE = {word.lower() for word in UNTRANSLATABLE} | {
    "whatsapp", "telegram", "instagram", "email", "sms", "senim", "odara", "csv", "xlsx", "pdf", "id", "api",
    "nurlanova",  # the example login in the new-user form's hint
    "alt", "ctrl", "shift", "tab", "enter", "space", "esc", "escape",  # keys, named as printed on them
}
# Codes whose words are also everyday English (the scan of English words finds those).
CODES = {code.code for codes in reference.CODE_LISTS.values() for code in codes} | {"all"}


def english_words() -> set[str]:
    """Every word of the UI's English messages and of the English labels of its codes."""
    text = " ".join(extract_messages()) + " " + " ".join(
        code.label("en") for codes in reference.CODE_LISTS.values() for code in codes)
    return {word.lower() for word in LATIN_WORD.findall(re.sub(r"%\(\w+\)[sd]", " ", text))} - SAME_EVERYWHERE


ENGLISH = english_words()


def visible_text(page: str) -> str:
    """What a person reads or hears: the text of the page, without scripts, styles, tags or attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    page = re.sub(r"<select id=\"language-choice\".*?</select>", " ", page, flags=re.DOTALL)  # each language's own name
    page = re.sub(r"<kbd>[^<]*</kbd>", " ", page)  # key names (Ctrl, Enter) are printed on the keys
    # A record's number shown on purpose, to copy into the access log's filter (supervisors' audit pages).
    page = re.sub(r"<(span|td|code) class=\"mono\">[^<]*</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def problems_in(text: str, logins: set[str]) -> list[str]:
    for login in sorted(logins, key=len, reverse=True):
        text = text.replace(login, " ")
    found = [f"id {match}" for match in UUID_TEXT.findall(text)]
    found += [f"code {match}" for match in SNAKE_CODE.findall(text)]
    found += [f"date {match}" for match in TWO_DIGIT_YEAR.findall(text)]
    words = {word for word in LATIN_WORD.findall(text)}
    found += [f"word {word}" for word in sorted(words) if word.lower() in ENGLISH or word in CODES]
    return found


def a_call(role: str, name: str, **extra) -> dict:
    now = datetime.now(timezone.utc)
    return {"service": "helpline", "channel": "phone", "contact_type": "counselling",
            "started_at": now - timedelta(minutes=30), "ended_at": now - timedelta(minutes=10),
            "caller": {"role": role, "name": name, "phone": "+7 701 555 12 34", "language": "kk", "region": "almaty"},
            "consent": {"services": True, "reporting": True}, "summary": "Звонила жена, угрозы.", **extra}


@pytest.fixture
def world(senim, make_user):
    """Staff of every role, and what their pages show: a call that opened a case, referrals of an
    aggressor (claimed) and of a victim (waiting), an assessment, a programme participation, reads
    of a journal and of the access log."""
    people = {role: make_user(role)[0] for role in ("consultant", "psychologist", "supervisor", "admin")}
    senim.staff.set_working_hours(UUID(people["psychologist"].user_id), schedule=EVERY_DAY, actor=ADMIN)
    consultant, psychologist = people["consultant"], people["psychologist"]
    contact = senim.contacts.record(a_call("aggressor", "Бауыржан Тестов"), actor=consultant).id
    case = senim.cases.open({"contact_id": str(contact), "summary": "Угрозы жене."}, actor=consultant).id  # "Opened case …"
    senim.cases.add_person(case, {"role": "aggressor", "name": "Бауыржан Тестов"}, actor=consultant)
    referral = senim.referrals.make(
        {"source": "helpline", "target": "family_service", "urgency": "urgent", "subject_role": "aggressor",
         "reason": "Просит помочь мужу.", "consent": {"services": True}, "contact_id": str(contact),
         "case_id": str(case)}, actor=consultant).id
    senim.referrals.claim(referral, actor=psychologist)
    victim = senim.contacts.record(a_call("victim", "Сауле Тестова", risk=["threats_to_kill"]), actor=consultant).id
    waiting = senim.referrals.make(
        {"source": "helpline", "target": "family_service", "urgency": "emergency", "subject_role": "victim",
         "reason": "Угрозы убийством.", "consent": {"services": True}, "contact_id": str(victim)},
        actor=consultant).id
    answers = {item["id"]: "no" for item in instruments.get("aggressor_status")["items"]}
    assessment = senim.assessments.record({"instrument": "aggressor_status", "answers": {**answers, "physical_violence": "yes"},
                                           "case_id": str(case)}, actor=psychologist).id
    participation = senim.programme.enrol({"assessment_id": assessment, "referral_id": referral, "case_id": case},
                                          actor=psychologist).id
    user = people["psychologist"].user_id
    pages = {
        "consultant": [f"/contacts/{contact}", f"/contacts/{victim}", f"/referrals/{referral}", "/contacts",
                       f"/casework/cases/{case}"],
        "psychologist": ["/queue", f"/referrals/{referral}", f"/referrals/{waiting}", "/programme", "/week",
                         f"/assessments/new?instrument=aggressor_status&referral={referral}",
                         f"/assessments/new?instrument=aggressor_status&referral={waiting}",
                         f"/assessments/{assessment}", f"/programme/{participation}", "/working-hours",
                         f"/casework/cases/{case}"],
        "supervisor": ["/journals", f"/cases/{case}", "/audit/access", "/supervision/escalations",
                       f"/referrals/{referral}", f"/admin/users/{user}", f"/admin/users/{user}/hours", "/cases",
                       "/supervision", "/reports/monthly", f"/casework/cases/{case}", "/casework/all"],
        "admin": ["/admin/users", f"/admin/users/{user}", f"/admin/users/{user}/hours", "/admin/users/new"],
    }
    return {"people": people, "pages": pages}


NAV_LINK = re.compile(r'<header.*?</header>', re.DOTALL)
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("role", ["consultant", "psychologist", "supervisor", "admin"])
def test_the_pages_of_a_role_hold_no_english_raw_code_or_record_id(app, senim, world, role, language):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    me = world["people"][role]
    senim.staff.choose_language(UUID(me.user_id), language, actor=ADMIN)
    assert sign_in(client, me.username).status_code == 302
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    menu = [path for path in HREF.findall(NAV_LINK.search(home).group(0)) if path not in ("/", "/logout")]
    if role == "supervisor":  # the pages of the access log and journals that read records, once each
        client.get("/journals")
    logins = {user.username for user in senim.staff.list_users()} | {ADMIN.username}  # the tests' system actor
    found = {}
    for path in dict.fromkeys([*menu, *world["pages"][role]]):
        answer = client.get(path)
        assert answer.status_code in (200, 422), (path, answer.status_code)  # 422: a questionnaire not for this person
        problems = problems_in(visible_text(answer.get_data(as_text=True)), logins)
        if problems:
            found[path] = problems
    assert not found, f"untranslated or raw text on the {language} pages of a {role}: {found}"


def test_the_scan_finds_english_raw_codes_and_ids():
    text = visible_text('<p>Opened case f26f2291-1d3c-4a5e-9b7f-0123456789ab</p><td>helpline</td><td>all</td><td>03.12.26</td>'
                        '<p>family_service</p><p>Журнал <b>доступа</b></p><select id="language-choice">'
                        '<option>English</option></select>')
    found = problems_in(text, set())
    assert "id f26f2291-1d3c-4a5e-9b7f-0123456789ab" in found and "code family_service" in found
    assert {"word Opened", "word helpline", "word all", "date 03.12.26"} <= set(found)
    assert not problems_in("03.12.2026, 19:05 · 2026 ж. 03 жел.", set())
    assert not problems_in(visible_text("<p>Журнал доступа · WhatsApp · ODARA</p>"), set())
