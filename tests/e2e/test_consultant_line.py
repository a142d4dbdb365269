"""A night on the line (issue 15, the consultant): a call form that starts its time when the call is
answered, records a contact without data with one key and Enter, keeps every keystroke while the danger
panel opens, puts the number first, fits a common call in two screens with each part one key away, words
itself after the channel, and signs its consultant in again in place when the session ended, so a call
is never lost. Keyboard only, in Kazakh and Russian, at 1280×720 and at 390 px."""
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from domain.clock import SERVICE_TIMEZONE
from tests.e2e.conftest import PASSWORD, check_accessibility, screenshot, sign_in
from tests.helpers.words import by_language

TEXT = by_language(
    saved=("Өтініш сақталды", "Обращение сохранено"),
    silent=("Үнсіз абонент", "Молчащий абонент"),
    abusive=("Дөрекі, қорлайтын өтініш", "Оскорбительное обращение"),
    answer=("Қоңырауды қабылдау", "Принять звонок"),
    take=("Сөйлесуді бастау", "Начать переписку"),
    visit=("Қабылдауды бастау", "Начать приём"),
    save_call=("Сақтау және қоңырауды аяқтау", "Сохранить и завершить звонок"),
    save_text=("Сақтау және сөйлесуді жабу", "Сохранить и закрыть переписку"),
    save_visit=("Сақтау және қабылдауды аяқтау", "Сохранить и завершить приём"),
    handle=("Адам жазып отырған нөмір", "Номер, с которого пишут"),
    resumed=("қайта кірдіңіз", "снова вошли"),
    wrong=("Пайдаланушы аты немесе құпиясөз қате.", "Неверное имя пользователя или пароль."),
    journal=("Журналдағы нөмірі", "Номер в журнале"),
    consultation=("Отбасы қызметінің кеңесі", "Консультация службы семьи"),
    video=("Бейнебайланыс", "Видеосвязь"),
    colleague=("Жұптағы әріптес", "Коллега в паре"),
    duration=("Ұзақтығы", "Длительность"),
)
VIEW_1280 = {"width": 1280, "height": 720}
PHONE_390 = {"width": 390, "height": 844}


def open_form(site, new_page, language="ru", viewport=None, clock=False):
    page = new_page(language)
    if viewport:
        page.set_viewport_size(viewport)
    if clock:
        page.clock.install()
    sign_in(page, site, site.user("consultant", language))
    expect(page.locator("#answer")).to_be_focused()
    return page


def focused(page, attribute: str = "id") -> str:
    return page.evaluate(f"document.activeElement.getAttribute('{attribute}') || ''")


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_contact_without_data_is_saved_with_one_key_and_enter_and_shows_its_journal_number(site, new_page, language):
    text = TEXT[language]
    page = open_form(site, new_page, language)
    expect(page.locator("#answer")).to_contain_text(text["answer"], use_inner_text=True)
    check_accessibility(page, f"new contact, not answered ({language})")
    screenshot(page, f"line-answer-{language}-{site.store}")
    page.keyboard.press("3")  # the third contact type: silent
    expect(page.locator("#quick-save")).to_be_focused()
    expect(page.locator("#quick-save")).to_contain_text(text["silent"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(text["saved"])
    expect(page.locator(".journal-number")).to_contain_text(text["journal"])
    expect(page.locator("#journal-number")).to_have_text(re.compile(r"^\d+/\d{4}$"))
    expect(page.locator("main")).to_contain_text(text["silent"])
    screenshot(page, f"line-silent-saved-{language}-{site.store}")


def answer(page) -> None:
    """Enter on the answer button: the call's time starts, the focus goes to the number."""
    page.keyboard.press("Enter")
    expect(page.locator("#caller_phone")).to_be_focused()


def test_the_time_starts_when_the_call_is_answered_not_when_the_page_opened(site, new_page):
    page = open_form(site, new_page, "ru", clock=True)
    page.clock.fast_forward(20_000)  # the form left open between calls
    expect(page.locator("#call-timer")).to_have_text("0:00:00")
    assert page.input_value("#started_at") == ""
    answer(page)
    assert page.input_value("#started_at") != ""
    expect(page.locator("#call-start-text")).not_to_have_text("—")
    page.clock.fast_forward(5_000)
    expect(page.locator("#call-timer")).to_have_text(re.compile(r"^0:00:0[56]$"))

    # The first keystroke in the form answers too: here a digit typed straight into the number.
    later = open_form(site, new_page, "ru")
    later.focus("#caller_phone")
    assert later.input_value("#started_at") == ""
    later.keyboard.type("8")
    assert later.input_value("#started_at") != ""
    expect(later.locator("#answer-bar")).to_be_hidden()


def test_the_danger_panel_opens_without_taking_the_focus_and_no_key_is_lost(site, new_page):
    page = open_form(site, new_page, "ru")
    answer(page)
    page.keyboard.press("Escape")  # out of the number, into its part of the form
    page.keyboard.press("KeyE")  # the danger part
    assert focused(page, "name") == "risk"
    page.keyboard.press("6")  # threats to kill: the panel opens …
    page.keyboard.press("7")  # … and strangulation, the very next key, still lands on the flags
    expect(page.locator("#danger-panel")).to_be_visible()
    expect(page.locator("#danger-announcer")).not_to_be_empty()
    assert page.is_checked("input[name=risk][value=threats_to_kill]")
    assert page.is_checked("input[name=risk][value=strangulation]")
    assert focused(page, "name") == "risk"
    assert page.evaluate("document.activeElement.value") == "strangulation"


def test_the_number_comes_first_its_earlier_contacts_stay_out_of_the_tab_order_and_categories_take_two_digits(
        site, new_page):
    page = open_form(site, new_page, "ru")
    answer(page)  # the number is the first field, focused on answering
    page.keyboard.type("8 701 555 77 66")
    for _ in range(3):
        page.keyboard.press("Tab")  # the channel, the type of contact, the caller
    page.keyboard.press("1")  # the victim
    page.keyboard.press("KeyU")  # the save part
    expect(page.locator("#save-end")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.goto(site.url + "/contacts/new")
    answer(page)
    page.keyboard.type("+7 701 555 77 66")
    history = page.locator("#caller-history")
    expect(history).to_contain_text("Прежних обращений с этого номера: 1")
    expect(history.locator("a")).to_have_count(1)
    assert history.locator("a").get_attribute("tabindex") == "-1"
    page.keyboard.press("Tab")  # past the earlier contacts' links, straight to the channel
    assert focused(page, "name") == "channel"

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")
    page.keyboard.press("KeyW")  # what happened
    page.keyboard.press("1")
    page.keyboard.press("6")  # 1 then 6 quickly: the sixteenth category, and the first undone
    page.keyboard.press("1")
    page.keyboard.press("0")  # the tenth
    page.keyboard.press("3")  # a single digit still picks the third
    checked = page.eval_on_selector_all("input[name=categories]:checked", "boxes => boxes.map(b => b.value)")
    assert sorted(checked) == ["child_neglect", "other", "physical_assault"]
    expect(page.locator("#categories")).to_contain_text("16")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_common_call_fits_in_two_screens_and_every_part_is_one_key_away(site, new_page, language):
    page = open_form(site, new_page, language, viewport=VIEW_1280)
    answer(page)
    save_bottom = page.evaluate("document.querySelector('#save-end').getBoundingClientRect().bottom + window.scrollY")
    assert save_bottom <= 2 * VIEW_1280["height"], save_bottom
    page.keyboard.press("Escape")
    for key, check in (("KeyW", "input[name=categories]"), ("KeyE", "input[name=risk]"),
                       ("KeyR", "input[name=outcome]"), ("KeyT", "input[name=consent_services]"),
                       ("KeyY", "input[name=vr-current_injury]"), ("KeyU", "#save-end"), ("KeyQ", "#caller_phone")):
        page.keyboard.press(key)
        assert page.evaluate(f"document.activeElement.matches({check!r})"), (key, page.evaluate(
            "document.activeElement.outerHTML.slice(0, 120)"))
        if key != "KeyQ":
            continue
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"line-form-1280-{language}-{site.store}")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_form_works_at_390_pixels_without_sideways_scrolling(site, new_page, language):
    page = open_form(site, new_page, language, viewport=PHONE_390)
    no_sideways_scroll(page)
    answer(page)
    page.keyboard.type("87015559900")
    page.keyboard.press("Escape")
    page.keyboard.press("KeyE")
    page.keyboard.press("1")
    expect(page.locator("#danger-panel")).to_be_visible()
    page.keyboard.press("KeyY")
    expect(page.locator("#checklist-details")).to_have_attribute("open", "")
    page.check("#make_referral")
    no_sideways_scroll(page)
    check_accessibility(page, f"call form at 390 px ({language})")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"line-form-390-{language}-{site.store}")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_wording_follows_the_channel(site, new_page, language):
    text = TEXT[language]
    page = open_form(site, new_page, language)
    expect(page.locator("#save-end")).to_have_text(text["save_call"], use_inner_text=True)
    expect(page.locator("#call-timer")).to_be_visible()
    answer(page)
    page.keyboard.press("Tab")  # the channel
    page.keyboard.press("2")  # WhatsApp: a written conversation, no timer
    expect(page.locator("#save-end")).to_have_text(text["save_text"], use_inner_text=True)
    expect(page.locator("label[for=caller_phone]")).to_have_text(text["handle"], use_inner_text=True)
    expect(page.locator("#call-timer")).to_be_hidden()
    check_accessibility(page, f"a WhatsApp conversation ({language})")
    page.keyboard.press("7")  # in person: a visit
    expect(page.locator("#save-end")).to_have_text(text["save_visit"], use_inner_text=True)
    expect(page.locator("#call-timer")).to_be_hidden()
    page.keyboard.press("2")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("1")  # the caller: the victim
    page.keyboard.press("KeyU")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(text["saved"])
    facts = page.locator("main .facts").first
    expect(facts).to_contain_text("WhatsApp")
    expect(facts).not_to_contain_text(re.compile("звон|қоңырау|Длительность|Ұзақтығы", re.IGNORECASE))
    screenshot(page, f"line-whatsapp-saved-{language}-{site.store}")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_consultant_signed_out_during_a_call_signs_in_again_in_place_and_the_call_is_saved(site, new_page, language):
    text = TEXT[language]
    page = open_form(site, new_page, language, clock=True)
    answer(page)
    # While the form is open, it tells the server so, without anyone typing: the session never idles out.
    with page.expect_request(lambda request: request.url.endswith("/keepalive") and request.method == "POST"):
        page.clock.fast_forward(61_000)
    page.keyboard.type("87015553311")
    for _ in range(3):
        page.keyboard.press("Tab")
    page.keyboard.press("1")  # the victim
    page.keyboard.press("KeyW")
    page.keyboard.press("6")
    page.keyboard.press("Tab")
    page.keyboard.type("Разговор долгий, сессия закончилась.")

    page.context.clear_cookies()  # the session ends all the same (a restart, a sign-out elsewhere)
    page.keyboard.press("Escape")
    page.keyboard.press("KeyU")
    page.keyboard.press("Enter")
    dialog = page.locator("#sign-in-again")
    expect(dialog).to_be_visible()
    expect(page.locator("#again-password")).to_be_focused()
    assert page.url.endswith("/contacts/new")
    check_accessibility(page, f"signing in again ({language})")
    screenshot(page, f"line-sign-in-again-{language}-{site.store}")
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")
    expect(page.locator("#sign-in-again-error")).to_have_text(text["wrong"])
    page.fill("#again-password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(text["saved"])
    expect(page.locator("main .flashes")).to_contain_text(text["resumed"])
    with page.expect_navigation():
        page.click("main p.actions a.button.secondary >> nth=0")
    expect(page.locator("main")).to_contain_text("Разговор долгий, сессия закончилась.")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_family_service_records_a_consultation_on_its_own_form_with_its_pair_colleague(site, new_page, language):
    text = TEXT[language]
    colleague = site.user("psychologist", "kk" if language == "ru" else "ru")  # another psychologist
    page = new_page(language)
    sign_in(page, site, site.user("psychologist", language))
    page.goto(site.url + "/contacts/new")
    with page.expect_navigation():
        page.click(".consultation-link a")
    expect(page.locator("h1")).to_have_text(text["consultation"])
    expect(page.locator("#call-timer")).to_have_count(0)
    page.set_viewport_size(PHONE_390)
    no_sideways_scroll(page)
    check_accessibility(page, f"family-service consultation ({language})")
    screenshot(page, f"line-consultation-{language}-{site.store}")
    page.focus("input[name=format][value=online]")
    page.keyboard.press("Space")
    yesterday = (datetime.now(SERVICE_TIMEZONE) - timedelta(days=1)).date().isoformat()
    page.fill("#day", yesterday)
    page.fill("#start", "10:00")
    page.fill("#end", "10:45")
    page.select_option("#colleague", colleague)
    page.focus("input[name=caller_role][value=victim]")
    page.keyboard.press("1")
    page.focus("input[name=categories][value=psychological_abuse]")
    page.keyboard.press("Space")
    page.fill("#summary", "Первая онлайн-консультация вдвоём.")
    with page.expect_navigation():
        page.click("#save-consultation")
    expect(page.locator("h1")).to_have_text(text["saved"])
    facts = page.locator("main .facts").first
    expect(facts).to_contain_text(text["video"])
    expect(facts).to_contain_text(colleague)
    expect(facts).to_contain_text(text["duration"])
    expect(facts).to_contain_text("0:45:00")
    expect(facts).not_to_contain_text(re.compile("звон|қоңырау", re.IGNORECASE))
    expect(page.locator("#journal-number")).to_be_visible()
    screenshot(page, f"line-consultation-saved-{language}-{site.store}")
