"""A psychologist of the family service with a full queue, in a real browser, in Kazakh and in Russian:
claiming a referral in one click while a colleague loses the race, booking an appointment with a pair
colleague within working hours, the week, attendance and the consultation's outcome, ODARA and the
aggressor-status assessment, and enrolling in the correctional programme."""
import uuid
from datetime import datetime, timedelta
from uuid import UUID

import pytest
import requests
from playwright.sync_api import expect

from domain.clock import SERVICE_TIMEZONE
from domain.referral import Referral
from domain.schedule import WEEKDAYS, Availability, WeeklySchedule
from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in
from tests.helpers.words import by_language

HOURS = WeeklySchedule.of({day: [["08:00", "13:00"], ["14:00", "20:00"]] for day in WEEKDAYS})
ALL_DAY = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})

TEXT = by_language(
    queue=("Жолдамалар кезегі", "Очередь направлений"),
    claimed=("Сіз жолдаманы жұмысқа алдыңыз.", "Вы взяли направление в работу."),
    first=("сізден бұрын басқа маман", "первым взял в работу"),
    quicker=("Басқа маман ертерек үлгерді", "Вас опередили"),
    not_working=("жұмыс істемейсіз", "Вы не работаете"),
    booked=("Кездесу белгіленді.", "Встреча назначена."),
    week=("Менің аптам", "Моя неделя"),
    came=("Белгіленді: адам келді.", "Отмечено: человек пришёл."),
    recorded=("Кеңес тіркелді, жолдама жабылды.", "Консультация записана, направление закрыто."),
    completed=("Аяқталды", "Завершено"),
    answer_item=("Бұл тармаққа жауап беріңіз", "Ответьте на этот пункт"),
    odara_rate=("27%", "27%"),
    eligible=("Қатыса алады", "Может участвовать"),
    enrolled=("Адам түзету бағдарламасына қабылданды.", "Человек зачислен в коррекционную программу."),
    session=("Сабақ тіркелді.", "Занятие записано."),
    hours_saved=("Жұмыс уақытыңыз сақталды.", "Ваши рабочие часы сохранены."),
    level_changed=("Деңгей өзгертілді.", "Уровень изменён."),
)


def staff(site, role: str, language: str, hours: WeeklySchedule | None = HOURS):
    """A new member of staff with a saved language (and working hours); returns their Actor."""
    with site.services() as senim:
        written = senim.staff.add_user(username=f"{role[:5]}-{language}-{uuid.uuid4().hex[:5]}", role=role,
                                       password=PASSWORD, actor=ADMIN)
        senim.staff.choose_language(written.id, language, actor=ADMIN)
        if hours is not None:
            senim.staff.set_working_hours(written.id, schedule=hours, actor=ADMIN)
        return senim.staff.get(written.id).as_actor()


def referral_through_the_api(site, consultant, waiting_for) -> str:
    """A consultant refers an aggressor through the API; returns its id once the queue holds it."""
    with site.services() as senim:
        consultant_token, _ = senim.staff.issue_token(UUID(consultant.user_id), actor=ADMIN)
        reader_token, _ = senim.staff.issue_token(UUID(waiting_for.user_id), actor=ADMIN)
    made = requests.post(site.url + "/api/v1/referrals", timeout=10, headers={"Authorization": f"Bearer {consultant_token}"},
                         json={"source": "helpline", "target": "family_service", "urgency": "urgent",
                               "reason": "Жена звонила на линию: угрозы, просит помочь мужу.", "subject_role": "aggressor",
                               "consent": {"services": True}})
    assert made.status_code == 201, made.text
    queue = requests.get(site.url + "/api/v1/referral-queue", timeout=15,
                         params={"target": "family_service", "min_position": made.json()["position"]},
                         headers={"Authorization": f"Bearer {reader_token}"})
    assert made.json()["id"] in [row["id"] for row in queue.json()["referrals"]]
    return made.json()["id"]


def claimed_referral(site, consultant, psychologist, *, began: bool = False) -> str:
    """A referral the psychologist holds; with `began`, its appointment started five minutes ago."""
    with site.services() as senim:
        referral_id = senim.referrals.make(
            {"source": "police", "target": "family_service", "urgency": "routine", "subject_role": "aggressor",
             "reason": "Полиция: защитное предписание, направлен на коррекционную программу.",
             "consent": {"services": True}}, actor=consultant).id
        senim.referrals.claim(referral_id, actor=psychologist)
        if began:
            now = datetime.now(SERVICE_TIMEZONE)
            referral = senim.store.load(referral_id, Referral)
            referral.schedule(at=now - timedelta(minutes=5), format="in_person", actor=psychologist,
                              duration=timedelta(minutes=1), now=now - timedelta(days=1),
                              availability={psychologist.username: Availability(ALL_DAY)})
            senim.store.commit(referral)
        return str(referral_id)


def shoot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_one_click_claims_and_a_colleague_who_was_slower_is_told_who_won(site, new_page, language):
    text = TEXT[language]
    consultant = staff(site, "consultant", language, hours=None)
    first, second = staff(site, "psychologist", language), staff(site, "psychologist", language)
    with site.services() as senim:  # an emergency that has waited an hour: its 15 minutes are long gone
        overdue = senim.referrals.make(
            {"source": "police", "target": "family_service", "urgency": "emergency", "subject_role": "victim",
             "reason": "Полиция: угроза жизни, нужна срочная консультация.", "consent": {"services": True},
             "now": datetime.now(SERVICE_TIMEZONE) - timedelta(hours=1)}, actor=consultant).id
    referral_id = referral_through_the_api(site, consultant, first)

    mine, theirs = new_page(language), new_page(language)
    sign_in(mine, site, first.username)
    sign_in(theirs, site, second.username)
    for page in (mine, theirs):
        expect(page.locator("h1")).to_contain_text(text["queue"])  # the psychologist's start page
        expect(page.locator(f'form[action="/referrals/{referral_id}/claim"]')).to_be_visible()
    overdue_row = mine.locator(f'tr:has(form[action="/referrals/{overdue}/claim"])')
    expect(overdue_row.locator(".badge.overdue")).to_be_visible()
    assert mine.locator("table.queue tbody tr").first.locator(".badge.emergency").count() == 1  # most urgent first
    check_accessibility(mine, f"referral queue ({language})")
    shoot(mine, f"psychologist-queue-{language}-{site.store}")

    with mine.expect_navigation():
        mine.click(f'form[action="/referrals/{referral_id}/claim"] button')
    expect(mine.locator("main")).to_contain_text(text["claimed"])
    expect(mine.locator(f'form[action="/referrals/{referral_id}/claim"]')).to_have_count(0)
    expect(mine.locator(f'#mine ~ .table-wrap a[href="/referrals/{referral_id}"]')).to_be_visible()

    # The colleague's page still offers it; their click loses the race and says who won.
    with theirs.expect_navigation():
        theirs.click(f'form[action="/referrals/{referral_id}/claim"] button')
    panel = theirs.locator(".danger-panel")
    expect(panel).to_contain_text(text["quicker"])
    expect(panel).to_contain_text(text["first"])
    expect(panel).to_contain_text(first.username)
    expect(theirs.locator(f'form[action="/referrals/{referral_id}/claim"]')).to_have_count(0)  # fresh queue
    check_accessibility(theirs, f"queue after a lost claim ({language})")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_appointment_with_a_pair_colleague_within_working_hours_shows_in_the_week(site, new_page, language):
    text = TEXT[language]
    consultant = staff(site, "consultant", language, hours=None)
    psychologist, colleague = staff(site, "psychologist", language), staff(site, "psychologist", language)
    referral_id = claimed_referral(site, consultant, psychologist)
    page = new_page(language)
    sign_in(page, site, psychologist.username)
    page.goto(f"{site.url}/referrals/{referral_id}")
    day = (datetime.now(SERVICE_TIMEZONE) + timedelta(days=7)).date().isoformat()

    # After hours: refused next to the time, in the page's language, nothing typed lost.
    page.fill("#schedule-day", day)
    page.fill("#schedule-start", "21:00")
    page.check('input[name="schedule-format"][value="online"]')
    page.select_option("#schedule-colleague", colleague.username)
    with page.expect_navigation():
        page.click("#schedule-heading ~ .schedule-layout button[type=submit]")
    expect(page.locator("#schedule-start-error")).to_contain_text(text["not_working"])
    assert page.input_value("#schedule-day") == day
    assert page.input_value("#schedule-start") == "21:00"
    assert page.input_value("#schedule-colleague") == colleague.username
    assert page.is_checked('input[name="schedule-format"][value="online"]')
    check_accessibility(page, f"referral with a refused appointment ({language})")

    page.fill("#schedule-start", "10:00")
    with page.expect_navigation():
        page.click("#schedule-heading ~ .schedule-layout button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(text["booked"])
    expect(page.locator(".facts")).to_contain_text(colleague.username)
    check_accessibility(page, f"referral page ({language})")
    shoot(page, f"psychologist-referral-{language}-{site.store}")

    page.goto(f"{site.url}/week?week={day}")
    expect(page.locator("h1")).to_contain_text(text["week"])
    appointment = page.locator(f'li.appointment:has(a[href="/referrals/{referral_id}"])')
    expect(appointment).to_contain_text("10:00")
    expect(appointment).to_contain_text(colleague.username)
    check_accessibility(page, f"my week ({language})")
    shoot(page, f"psychologist-week-{language}-{site.store}")

    # The colleague sees the shared appointment in their own week.
    other = new_page(language)
    sign_in(other, site, colleague.username)
    other.goto(f"{site.url}/week?week={day}")
    expect(other.locator(f'li.appointment:has(a[href="/referrals/{referral_id}"])')).to_contain_text(psychologist.username)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_attendance_from_the_week_then_the_consultation_and_its_outcome(site, new_page, language):
    text = TEXT[language]
    consultant = staff(site, "consultant", language, hours=None)
    psychologist = staff(site, "psychologist", language)
    referral_id = claimed_referral(site, consultant, psychologist, began=True)
    started = datetime.now(SERVICE_TIMEZONE) - timedelta(minutes=5)
    page = new_page(language)
    sign_in(page, site, psychologist.username)

    came = page.locator(f'li.appointment:has(a[href="/referrals/{referral_id}"]) form.attendance button[value=yes]')
    for _ in range(30):  # written straight to the store: the site's projection hears of it within seconds
        page.goto(f"{site.url}/week?week={started.date().isoformat()}")
        if came.count():
            break
        page.wait_for_timeout(500)
    with page.expect_navigation():
        came.click()
    expect(page.locator(".flash-success")).to_contain_text(text["came"])
    expect(page.locator(f'li.appointment:has(a[href="/referrals/{referral_id}"]) form.attendance')).to_have_count(0)

    with page.expect_navigation():
        page.click(f'a[href="/referrals/{referral_id}"]')
    assert page.input_value("#consultation-day") == started.date().isoformat()  # taken from the appointment
    page.check("#consultation-done-psychological_support")
    page.fill("#consultation-summary", "Обсудили план безопасности; следующая встреча не нужна.")
    page.select_option("#consultation-outcome", "consultation_held")
    with page.expect_navigation():
        page.click("#consultation-heading ~ form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(text["recorded"])
    expect(page.locator(".facts")).to_contain_text({"kk": "Кеңес өткізілді", "ru": "Консультация проведена"}[language])
    check_accessibility(page, f"completed referral ({language})")
    shoot(page, f"psychologist-referral-completed-{language}-{site.store}")


def answer(page, answers: dict[str, str]) -> None:
    for item_id, value in answers.items():
        page.check(f"#answer-{item_id}-{value}")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_odara_and_aggressor_status_then_enrolment_in_the_programme(site, new_page, language):
    text = TEXT[language]
    consultant = staff(site, "consultant", language, hours=None)
    psychologist = staff(site, "psychologist", language)
    referral_id = claimed_referral(site, consultant, psychologist)
    page = new_page(language)
    sign_in(page, site, psychologist.username)
    page.goto(f"{site.url}/referrals/{referral_id}")

    # ODARA: one item left unanswered is marked; once answered, the server scores it.
    with page.expect_navigation():
        page.click('a[href*="instrument=odara"]')
    items = page.locator("fieldset.item").evaluate_all("nodes => nodes.map(n => n.id.slice(5))")
    assert len(items) == 13
    answers = {item: "no" for item in items}
    answers.update(prior_domestic_incident="yes", index_threat="yes", victim_concern="yes", more_than_one_child="unknown")
    answer(page, {item: value for item, value in answers.items() if item != "barriers_to_support"})
    check_accessibility(page, f"ODARA form ({language})")
    with page.expect_navigation():
        page.click("form.assessment button[type=submit]")
    expect(page.locator("#answer-barriers_to_support-error")).to_contain_text(text["answer_item"])
    assert page.is_checked("#answer-prior_domestic_incident-yes")  # nothing answered is lost
    check_accessibility(page, f"ODARA form with an error ({language})")
    shoot(page, f"psychologist-assessment-form-{language}-{site.store}")
    answer(page, {"barriers_to_support": "no"})
    with page.expect_navigation():
        page.click("form.assessment button[type=submit]")
    result = page.locator(".result")
    expect(result).to_contain_text("3")
    expect(result).to_contain_text(text["odara_rate"])
    expect(page.locator("#override-heading ~ form")).to_be_visible()  # the level's form is checked too
    check_accessibility(page, f"ODARA result ({language})")

    # Professional judgement: the assessor raises the level with a reason; the page lists the change.
    page.check('input[name="override-level"][value="4"]')
    page.fill("#override-reason", "Угрожал ножом при детях; в ответах этого нет.")
    with page.expect_navigation():
        page.click("#override-heading ~ form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(text["level_changed"])
    expect(result.locator(".level")).to_contain_text("41%")
    expect(page.locator(".level-changes")).to_contain_text("Угрожал ножом при детях")
    check_accessibility(page, f"ODARA result with a changed level ({language})")
    shoot(page, f"psychologist-assessment-{language}-{site.store}")

    # Aggressor status: violence confirmed, no contraindication: eligible, and enrolled from the result.
    page.goto(f"{site.url}/assessments/new?instrument=aggressor_status&referral={referral_id}")
    items = page.locator("fieldset.item").evaluate_all("nodes => nodes.map(n => n.id.slice(5))")
    answer(page, {item: "yes" if item in ("physical_violence", "threats", "motivated_to_change") else "no"
                  for item in items})
    check_accessibility(page, f"aggressor-status form ({language})")
    with page.expect_navigation():
        page.click("form.assessment button[type=submit]")
    expect(page.locator(".result")).to_contain_text(text["eligible"])
    with page.expect_navigation():
        page.click("#enrol-heading ~ form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(text["enrolled"])
    with page.expect_navigation():
        page.click("#session-heading ~ form button[type=submit]")  # today, now, attended: prefilled but for attendance
    page.check('input[name="session-attended"][value="yes"]')
    with page.expect_navigation():
        page.click("#session-heading ~ form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(text["session"])
    check_accessibility(page, f"programme participation ({language})")

    page.goto(f"{site.url}/programme")
    expect(page.locator("main table")).to_be_visible()
    check_accessibility(page, f"programme ({language})")
    shoot(page, f"psychologist-programme-{language}-{site.store}")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_psychologist_sets_their_own_working_hours(site, new_page, language):
    text = TEXT[language]
    psychologist = staff(site, "psychologist", language, hours=None)
    page = new_page(language)
    sign_in(page, site, psychologist.username)
    page.goto(f"{site.url}/working-hours")
    page.fill("#monday-0-start", "09:00")
    page.fill("#monday-0-end", "13:00")
    page.fill("#monday-1-start", "14:00")
    page.fill("#monday-1-end", "18:00")
    check_accessibility(page, f"working hours ({language})")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text(text["hours_saved"])
    assert page.input_value("#monday-1-end") == "18:00"
    shoot(page, f"psychologist-hours-{language}-{site.store}")
