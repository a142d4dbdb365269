"""A social worker keeps a family's development plan in a real browser, in Russian, at a phone's width:
sets a goal for the child, adds an activity and marks it done, records a review, and finds it all on
the case page; the page passes axe and never scrolls sideways."""
import uuid
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in

PHONE = {"width": 390, "height": 844}


def worker_with_a_case(site) -> tuple[str, str]:
    """A consultant (Russian) and a case of theirs with a child in it."""
    with site.services() as senim:
        written = senim.staff.add_user(username=f"cons-ru-{uuid.uuid4().hex[:5]}", role="consultant",
                                       password=PASSWORD, actor=ADMIN)
        senim.staff.choose_language(written.id, "ru", actor=ADMIN)
        actor = senim.staff.get(written.id).as_actor()
        case = senim.cases.open({"summary": "Семья Ахметовых", "persons": [{"role": "child"}]}, actor=actor)
        return actor.username, str(case.id)


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_worker_plans_and_reviews_a_familys_work_on_a_phone(site, browser):
    username, case_id = worker_with_a_case(site)
    context = browser.new_context(locale="ru", bypass_csp=True, viewport=PHONE)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_in(page, site, username)
        page.goto(f"{site.url}/casework/cases/{case_id}")
        expect(page.get_by_role("heading", name="План развития")).to_be_visible()
        expect(page.get_by_role("heading", name="Оценка потребностей")).to_be_visible()

        page.get_by_label("Цель", exact=True).fill("Ребёнок ежедневно посещает школу")
        page.get_by_label("Для кого").select_option(label="Ребёнок 1")
        page.get_by_label("Срок", exact=True).fill((date.today() + timedelta(days=120)).isoformat())
        page.get_by_role("button", name="Поставить цель").click()
        expect(page.get_by_text("Цель поставлена.")).to_be_visible()
        expect(page.get_by_role("heading", name="Ребёнок ежедневно посещает школу")).to_be_visible()

        goal = page.locator("article.plan-goal")
        goal.locator("summary", has_text="Добавить мероприятие").click()
        goal.get_by_label("Мероприятие").fill("Встреча с классным руководителем")
        goal.get_by_label("Срок").first.fill((date.today() + timedelta(days=14)).isoformat())
        goal.get_by_label("Кто отвечает").first.select_option("partner")
        goal.get_by_label("Организация-партнёр").first.fill("Школа № 12")
        goal.get_by_role("button", name="Добавить мероприятие").click()
        expect(page.get_by_text("Мероприятие добавлено.")).to_be_visible()
        page.get_by_role("button", name="Отметить выполненным").click()
        expect(page.get_by_text("Мероприятие выполнено.")).to_be_visible()
        expect(page.locator(".plan-activities .badge.done")).to_have_text("выполнено")

        reviews = page.locator("section[aria-labelledby=reviews-heading]")
        reviews.locator("summary", has_text="Записать пересмотр").click()
        reviews.get_by_label("Продвижение", exact=True).select_option("progressing")
        reviews.get_by_label("Улучшилось").check()
        reviews.get_by_label("Решения").fill("Продолжить встречи со школой.")
        reviews.get_by_role("button", name="Записать пересмотр").click()
        expect(page.get_by_text("Пересмотр записан.")).to_be_visible()
        expect(reviews.locator("article.plan-review strong", has_text="Есть продвижение")).to_be_visible()
        expect(reviews.get_by_text("Продолжить встречи со школой.")).to_be_visible()
        no_sideways_scrolling(page)
        check_accessibility(page, "the case page with its plan and a review")
        screenshot(page, f"casework-plan-{site.store}")
    finally:
        context.close()
