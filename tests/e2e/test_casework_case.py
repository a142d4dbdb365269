"""A consultant works a family's case over months in a real browser, in Russian, keyboard first and
on a 390 px phone: takes the family on under an agreement, records the victim's safe contact and
safety plan, closes the case as self-sufficient with the child's outcomes, records the 3-month
follow-up and reopens the case from it. Every step's page passes axe and never scrolls sideways."""
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, PASSWORD, check_accessibility, screenshot, sign_in


def a_family(site) -> tuple[str, str]:
    """A consultant (username) and their case with a victim and a child (its id)."""
    username = f"cw-{uuid.uuid4().hex[:6]}"
    with site.services() as senim:
        written = senim.staff.add_user(username=username, role="consultant", password=PASSWORD, actor=ADMIN)
        senim.staff.choose_language(written.id, "ru", actor=ADMIN)
        actor = senim.staff.get(written.id).as_actor()
        case_id = senim.cases.open({"summary": "Семья Н.", "persons": [
            {"role": "victim", "name": "Айгүл"}, {"role": "child", "name": "Әлия"}]}, actor=actor).id
    return username, str(case_id)


def no_sideways_scroll(page) -> None:
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
        .slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide


def test_a_family_is_taken_on_kept_safe_closed_followed_up_and_reopened_on_a_phone(site, new_page):
    username, case_id = a_family(site)
    page = new_page("ru")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, site, username)
    page.goto(f"{site.url}/casework/cases/{case_id}")
    expect(page.locator("#agreement-heading")).to_have_text("Соглашение")
    no_sideways_scroll(page)
    check_accessibility(page, "the case page")

    # The agreement: its form is open while there is none; typed and sent with the keyboard.
    page.select_option("#agreement-source", "school")
    page.fill("#agreement-organisation", "Школа № 5")
    page.fill("#agreement-agreement_on", "2025-02-03")
    page.select_option("#agreement-term_months", "24")
    page.focus("#agreement-organisation")
    page.keyboard.press("Enter")
    expect(page.locator(".flash, [role=status], .notice").first).to_contain_text("Соглашение записано")
    expect(page.locator("#agreement")).to_contain_text("Школа № 5")

    # The victim's safe contact.
    contact = page.locator("#safe_contact section").first
    contact.locator("summary").focus()
    page.keyboard.press("Enter")
    contact.get_by_label("WhatsApp").check()
    contact.get_by_label("Когда безопасно связываться").fill("будни 10–12")
    contact.get_by_label("Нет").check()
    contact.get_by_label("Что сказать, если ответит кто-то другой").fill("Скажите, что из поликлиники")
    contact.get_by_role("button", name="Сохранить безопасную связь").press("Enter")
    expect(page.locator("#safe_contact")).to_contain_text("будни 10–12")

    # Her safety plan.
    plan = page.locator("#safety section").first
    plan.locator("summary").click()
    plan.get_by_label("Собрана сумка с необходимым").check()
    plan.get_by_label("Собственные шаги, по одному в строке").fill("Ключ у соседки")
    plan.get_by_role("button", name="Сохранить план безопасности").click()
    expect(page.locator("#safety")).to_contain_text("Ключ у соседки")
    no_sideways_scroll(page)

    # Closed as self-sufficient, with the child's outcomes.
    page.locator("#close summary").click()
    page.get_by_label("Цели достигнуты: семья справляется самостоятельно").check()
    page.locator("select[name$='-removal_prevented']").select_option("yes")
    page.get_by_role("button", name="Закрыть дело").click()
    expect(page.locator("#closure")).to_contain_text("Цели достигнуты: семья справляется самостоятельно")
    expect(page.locator("#closure")).to_contain_text("Изъятие из семьи предотвращено — Да")
    screenshot(page, f"casework-closed-{site.store}")

    # The 3-month follow-up finds the family needs help again; the case is reopened from it.
    page.locator("#follow_up summary").click()
    page.get_by_label("Снова нужна помощь").check()
    page.get_by_label("Заметка").fill("Снова угрозы")
    page.get_by_role("button", name="Сохранить проверку").click()
    expect(page.locator("#follow_up")).to_contain_text("Снова угрозы")
    page.locator("#reopen summary").click()
    page.select_option("#reopen-from_follow_up", index=1)
    page.get_by_label("Почему дело возобновляется").fill("Повторное обращение")
    page.get_by_role("button", name="Возобновить дело").click()
    expect(page.locator("#close summary")).to_have_text("Закрыть дело")
    no_sideways_scroll(page)
    check_accessibility(page, "the reopened case page")
    screenshot(page, f"casework-reopened-{site.store}")
