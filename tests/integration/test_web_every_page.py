"""Every page and every form of the web UI, as every role, with junk in every field it has: an answer
in HTML, never a server error. The field names are read off the pages themselves, so a form added
later is fuzzed without this file knowing about it. And nothing a psychologist can open shows the
victim's contact details."""
import re
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.clock import SERVICE_TIMEZONE
from domain.schedule import WEEKDAYS, WeeklySchedule
from tests.conftest import ADMIN
from tests.helpers.web import csrf_token, sign_in

ROLES = ("consultant", "psychologist", "supervisor", "admin")
NASTY = ("", " ", "\x00", "\t\n", "-1", "0", "9" * 400, "x" * 20_000, "2026-02-30", "25:61", "9999-99-99T99:99",
         "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "😀" * 50, "\u202e\u0301", "null", "[]",
         "{}", "NaN", "1e309", "00000000-0000-0000-0000-000000000000", "ru", "yes", "supervisor")
# The edges of the calendar and of integers, in the shapes the pages' fields take (a day, a moment as
# the datetime-local picker sends it, a number): each sent in every field, by GET and by POST.
EXTREMES = ("0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "-9223372036854775809",
            "99999999999999999999999")
FIELD_NAME = re.compile(r'\bname="([^"]+)"')
ANY_ACTION = re.compile(r"<any\(([^)]*)\):(\w+)>")
UUID_PART = re.compile(r"<uuid:(\w+)>")
VICTIM = {"name": "Айгерим Сәрсенова", "phone": "+7 701 555 12 34", "address": "Абай даңғылы 17, пәтер 4"}


def web_rules(app):
    """The pages and forms of the UI, sign-out last (it ends the session the others need)."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("web_")]
    return sorted(rules, key=lambda rule: rule.endpoint == "web_auth.logout")


def concrete_paths(rule, ids: dict) -> list[str]:
    """The rule's path with each of its ids real and unknown, and each `any(...)` choice."""
    paths = []
    for id_of in (ids.get, lambda name: str(uuid4())):
        path = UUID_PART.sub(lambda m: str(id_of(m.group(1)) or uuid4()), rule.rule)
        match = ANY_ACTION.search(path)
        choices = [choice.strip().strip('"') for choice in match.group(1).split(",")] if match else [None]
        for choice in choices:
            paths.append(ANY_ACTION.sub(choice, path) if choice else path)
    return paths


@pytest.fixture
def world(senim, make_user):
    """One of everything a page can be about, and a signed-in test client per role."""
    people = {role: make_user(role)[0] for role in ROLES}
    every_day = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})
    senim.staff.set_working_hours(UUID(people["psychologist"].user_id), schedule=every_day, actor=ADMIN)
    started = datetime.now(SERVICE_TIMEZONE) - timedelta(minutes=20)
    contact = senim.contacts.record({
        "service": "helpline", "channel": "phone", "started_at": started, "contact_type": "counselling",
        "caller": {"role": "victim", "region": "almaty", "name": VICTIM["name"], "phone": VICTIM["phone"],
                   "address": VICTIM["address"]},
        "categories": ["physical_assault"], "consent": {"services": True, "reporting": True},
        "summary": "Угрозы.",
    }, actor=people["consultant"]).id
    referral = senim.referrals.make({
        "source": "helpline", "target": "family_service", "reason": "Консультация.", "urgency": "urgent",
        "consent": {"services": True}, "subject_role": "aggressor", "contact_id": str(contact)},
        actor=people["consultant"]).id
    senim.referrals.claim(referral, actor=people["psychologist"])
    case = senim.cases.open({"contact_id": str(contact)}, actor=people["consultant"]).id
    # Only someone on the case may name it: the consultant who opened it lets the psychologist in.
    senim.cases.add_worker(case, user_id=UUID(people["psychologist"].user_id), reason="assesses the husband",
                           actor=people["consultant"])
    from domain import instruments
    answers = {item["id"]: "no" for item in instruments.get("aggressor_status")["items"]}
    answers["physical_violence"] = "yes"
    assessment = senim.assessments.record({"instrument": "aggressor_status", "answers": answers,
                                           "case_id": str(case)}, actor=people["psychologist"]).id
    participation = senim.programme.enrol({"assessment_id": assessment}, actor=people["psychologist"]).id
    # The admin's forms act on a bystander: junk that happens to be a valid password or role must not
    # sign out the clients doing the fuzzing.
    bystander = UUID(make_user("consultant")[0].user_id)
    today = datetime.now(SERVICE_TIMEZONE).date()
    conference = senim.conferences.schedule({"kind": "multi_agency", "held_on": today, "agencies": ["Полиция"],
                                             "case_ids": [case]}, actor=people["psychologist"]).id
    action = senim.conferences.agree_action(conference, case_id=case, text="Навестить", due_on=today,
                                            owner={"kind": "agency", "agency": "Полиция"},
                                            actor=people["psychologist"]).action_id
    ids = {"contact_id": contact, "referral_id": referral, "case_id": case, "assessment_id": assessment,
           "participation_id": participation, "user_id": bystander, "conference_id": conference,
           "action_id": action}
    return people, ids


def signed_in(app, person, language: str = "kk"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert sign_in(client, person.username).status_code == 302
    return client


@pytest.mark.parametrize("role", ["psychologist", "admin"])
def test_no_page_a_psychologist_or_an_admin_opens_shows_the_victims_contact_details(app, world, role):
    """The psychologist works with the aggressor of a referral made from the victim's call; the admin
    manages users and reads no case content."""
    people, ids = world
    client = signed_in(app, people[role])
    opened = 0
    for rule in web_rules(app):
        if "GET" in rule.methods and rule.endpoint != "web_auth.logout":
            for path in concrete_paths(rule, ids):
                page = client.get(path, follow_redirects=True)
                body = page.get_data(as_text=True)
                opened += page.status_code == 200
                for secret in ("Айгерим", "Сәрсенова", "555 12 34", "7015551234", "555-12-34", "Абай даңғылы"):
                    assert secret not in body, f"{path} shows {secret!r} to the {role}"
    assert opened >= 5
    # The consultant who took the call does see them: the check above looks for what is there.
    page = signed_in(app, people["consultant"]).get(f"/contacts/{ids['contact_id']}").get_data(as_text=True)
    assert "Айгерим" in page and "Абай даңғылы" in page


def attempts(rule, *, with_extremes: bool) -> list[tuple[int, str]]:
    """(variant, value) pairs to send to a rule: every fifth nasty value by POST, the next by GET; the
    extremes by both (to the path with the real ids: the pages that read a record read these)."""
    chosen = [(variant, value) for variant, value in enumerate(NASTY)
              if ("POST" in rule.methods and variant % 5 == 0) or ("GET" in rule.methods and variant % 5 == 1)]
    if with_extremes:
        for value in EXTREMES:
            chosen += [(variant, value) for variant, method in ((5, "POST"), (6, "GET")) if method in rule.methods]
    return chosen


def test_no_page_or_form_answers_a_server_error_whatever_is_sent(app, senim, world):
    people, ids = world
    rules = list(web_rules(app))
    clients = {role: signed_in(app, people[role]) for role in ROLES}

    # Every field name any page offers, as each role sees the pages.
    names = set()
    for client in clients.values():
        for rule in rules:
            if "GET" in rule.methods:
                for path in concrete_paths(rule, ids)[:1]:
                    names |= set(FIELD_NAME.findall(client.get(path).get_data(as_text=True)))
    names -= {"csrf_token"}
    assert {"reason", "caller_phone", "summary", "started_at", "username"} <= {n.split("-", 1)[-1] for n in names}

    failures, signed_out, statuses = [], [], {}
    for role, client in clients.items():
        token = csrf_token(client, "/")
        for rule in rules:
            paths = concrete_paths(rule, ids)
            for path in paths:
                for variant, value in attempts(rule, with_extremes=path in paths[:len(paths) // 2 or 1]):
                    data = {name: value if (hash(name) + variant) % 3 else [value, NASTY[-variant]]
                            for name in names}
                    if variant % 5 == 0:
                        response = client.post(path, data={**data, "csrf_token": token})
                    else:
                        response = client.get(path, query_string={name: value for name in names})
                    if response.status_code >= 500:
                        failures.append((role, rule.rule, path, repr(value)[:40], response.status_code))
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if rule.endpoint != "web_auth.logout" and "/login" in response.headers.get("Location", ""):
                        signed_out.append((role, path))
        # The session survived everything above (the junk "language" was refused, not saved).
        assert client.get("/").status_code in (200, 302)
    assert not failures, "\n".join(map(str, failures[:30]))
    assert not signed_out, f"the fuzzing lost its session: {signed_out[:5]}"  # so every form was reached
    assert statuses.get(422) and statuses.get(200), statuses  # forms were read and refused, pages shown
