"""A consultant on a live call, in a real browser, in Kazakh and in Russian: the call timer, the danger
panel, the risk checklist's live level, a reload in the middle of the call, saving with an urgent
referral, finding the call in "My contacts", and correcting it with a reason."""
import base64
import json
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, screenshot, sign_in
from tests.helpers.words import by_language

TEXT = by_language(
    phone_number=(("+7 701 555 12 34", "8 (701) 555-12-34"), ("+7 702 555 43 21", "8 702 555 4321")),
    new=("Жаңа өтініш", "Новое обращение"),
    saved=("Өтініш сақталды", "Обращение сохранено"),
    mine=("Менің өтініштерім", "Мои обращения"),
    police=("Полиция", "Полиция"),
    emergency=("Төтенше", "Экстренный"),
    standard=("Стандартты қауіп", "Стандартный риск"),
    could_raise=("көтеруі мүмкін", "могут поднять"),
    reason_error=("Өтініштің неге түзетілетінін жазыңыз.", "Укажите, почему исправляется обращение."),
    whatsapp=("WhatsApp мессенджері", "Мессенджер WhatsApp"),
    phone=("Телефон қоңырауы", "Телефонный звонок"),
    victim=("Зардап шеккен адам", "Пострадавший (пострадавшая)"),
    no_earlier=("Осы нөмірден бұрын өтініш болмаған.", "Прежних обращений с этого номера нет."),
    earlier=("бұрынғы өтініштер: 1", "Прежних обращений с этого номера: 1"),
    correction=("Түзету енгізілді", "Внесено исправление"),
    restored=("қалпына келтірілді", "восстановлено"),
)


def draft_keys(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.indexOf('senim:draft:') === 0 && "
                         "k.slice(-12) === ':new-contact')")


def page_clock(page) -> float:
    """The page's own time (ms), as the drafts' saved_at is written."""
    return page.evaluate("Date.now()")


def wait_for_a_draft_saved_since(page, moment: float) -> None:
    """Waits until a draft was written at or after `moment` (the page's clock), i.e. the save that
    follows the last change (300 ms after it, then sealed) has happened, however slow the machine."""
    page.wait_for_function("""moment => [localStorage, sessionStorage].some(store => Object.keys(store).some(key =>
        key.startsWith('senim:draft:') && Date.parse(JSON.parse(store.getItem(key)).saved_at) >= moment))""",
                           arg=moment)


def shoot(page, name: str) -> None:
    """A full-page screenshot from the top, so the sticky call bar sits where it belongs."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def timer_seconds(page) -> int:
    hours, minutes, seconds = page.inner_text("#call-timer").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_consultant_logs_a_dangerous_call_reloads_saves_finds_and_corrects_it(site, new_page, language):
    text = TEXT[language]
    username = site.user("consultant", language)
    page = new_page(language)
    sign_in(page, site, username)

    # The start page of a consultant is a new call; answered with Enter, its timer runs.
    expect(page.locator("h1")).to_have_text(text["new"])
    assert page.url.endswith("/contacts/new")
    expect(page.locator("#answer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#caller_phone")).to_be_focused()
    page.wait_for_function("""() => document.querySelector('#call-timer').innerText.split(':')
        .reduce((total, part) => total * 60 + Number(part), 0) >= 1""")
    assert timer_seconds(page) >= 1
    assert page.is_checked("input[name=channel][value=phone]")
    assert not page.locator("input[name=caller_role]:checked").count()  # never guessed for the caller
    check_accessibility(page, f"new contact ({language})")
    shoot(page, f"consultant-new-contact-{language}-{site.store}")

    # Who is calling: the first caller role one key away, the age picks its group.
    page.focus("input[name=caller_role][value=victim]")
    page.keyboard.press("2")  # the second choice (aggressor) …
    assert page.is_checked("input[name=caller_role][value=aggressor]")
    page.keyboard.press("1")  # … then the first: victim
    assert page.is_checked("input[name=caller_role][value=victim]")
    page.check("input[name=caller_gender][value=female]")
    page.fill("#caller_age", "34")
    assert page.input_value("#caller_age_group") == "25_34"
    page.fill("#caller_phone", text["phone_number"][0])
    expect(page.locator("#caller-history")).to_contain_text(text["no_earlier"])
    page.check("input[name=categories][value=physical_assault]")
    page.fill("#summary", "Муж угрожает ножом, она в ванной с ребёнком.")

    # Danger shows at once: the panel with the emergency numbers, announced, the focus left on the flags.
    expect(page.locator("#danger-panel")).to_be_hidden()
    page.check("input[name=risk][value=immediate_danger]")
    panel = page.locator("#danger-panel")
    expect(panel).to_be_visible()
    for number in ("112", "102", "103", "101", "111", "150"):
        expect(panel.locator(".emergency-numbers")).to_contain_text(number)
    assert page.evaluate("document.activeElement.name") == "risk"
    expect(page.locator("#danger-announcer")).not_to_be_empty()
    page.check("input[name=risk][value=weapon]")
    page.check("#safety-safe_now")
    assert page.is_checked("input[name=outcome][value=safety_planning]")
    check_accessibility(page, f"danger panel ({language})")
    shoot(page, f"consultant-danger-{language}-{site.store}")

    # Part of the risk checklist, with the level as the answers come.
    page.click("#checklist-details > summary")
    page.focus("input[name=vr-current_injury][value=yes]")
    page.keyboard.press("1")  # yes, and the focus moves on to the next question
    assert page.evaluate("document.activeElement.name") == "vr-fear"
    page.keyboard.press("1")
    page.check("input[name=vr-weapons][value=yes]")
    page.check("input[name=vr-threats_to_kill][value=yes]")
    page.check("input[name=vr-strangulation][value=unknown]")
    last_change = page_clock(page)
    result = page.locator("#checklist-result")
    expect(result).to_contain_text(text["standard"])
    expect(result).to_contain_text(text["could_raise"])
    expect(result).to_contain_text("4")
    check_accessibility(page, f"new contact with the checklist open ({language})")

    # A reload in the middle of the call brings everything back, the start time too.
    started = page.input_value("#started_at")
    wait_for_a_draft_saved_since(page, last_change)  # the draft is written 300 ms after the last change
    page.reload()
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    expect(page.locator("[data-draft-notice]")).to_contain_text(text["restored"])
    assert page.input_value("#started_at") == started
    assert timer_seconds(page) >= 2
    assert page.is_checked("input[name=caller_role][value=victim]")
    assert page.input_value("#caller_phone") == text["phone_number"][0]
    assert page.input_value("#caller_age_group") == "25_34"
    assert page.is_checked("input[name=risk][value=weapon]")
    expect(page.locator("#danger-panel")).to_be_visible()
    assert page.is_checked("input[name=vr-threats_to_kill][value=yes]")
    assert page.is_checked("input[name=vr-strangulation][value=unknown]")
    expect(page.locator("#checklist-result")).to_contain_text(text["standard"])

    # Consent, then one click fills an urgent referral to the police.
    page.check("input[name=consent_services][value=yes]")
    page.click("#urgent-referral")
    assert page.is_checked("#make_referral")
    assert page.is_checked("input[name=referral_target][value=police]")
    assert page.is_checked("input[name=referral_urgency][value=emergency]")
    assert page.input_value("#referral_reason") != ""
    assert page.evaluate("document.activeElement.id") == "referral_reason"

    with page.expect_navigation():
        page.click("#save-end")
    expect(page.locator("h1")).to_have_text(text["saved"])
    expect(page.locator("#assessment-heading + p + .level-line .badge")).to_have_text(text["standard"])
    expect(page.locator("main")).to_contain_text(text["police"])
    expect(page.locator("main")).to_contain_text(text["emergency"])
    assert draft_keys(page) == []  # the confirmation cleared the draft
    check_accessibility(page, f"contact saved ({language})")
    shoot(page, f"consultant-saved-{language}-{site.store}")
    contact_url = page.locator("main p.actions a.button.secondary").first.get_attribute("href")

    # The next call from the same number is recognised.
    with page.expect_navigation():
        page.click("#next-call")
    expect(page.locator("[data-draft-notice]")).to_be_hidden()
    page.fill("#caller_phone", text["phone_number"][1])
    expect(page.locator("#caller-history")).to_contain_text(text["earlier"])

    # My contacts: the call is there, newest first, and opens.
    with page.expect_navigation():
        page.click(f"header nav >> text={text['mine']}")
    rows = page.locator("table.my-contacts tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(text["phone"])
    check_accessibility(page, f"my contacts ({language})")
    shoot(page, f"consultant-my-contacts-{language}-{site.store}")
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert page.url.endswith(contact_url)
    expect(page.locator("main")).to_contain_text(text["victim"])
    expect(page.locator("main")).to_contain_text(text["phone_number"][0])
    check_accessibility(page, f"contact page ({language})")
    shoot(page, f"consultant-contact-{language}-{site.store}")

    # A correction needs a reason; with one it is saved and shows in the history.
    with page.expect_navigation():
        page.click("main .actions a.button >> nth=0")
    check_accessibility(page, f"correction ({language})")
    page.check("input[name=channel][value=whatsapp]")
    with page.expect_navigation():
        page.click("#amend-form button[type=submit]")
    expect(page.locator("#reason-error")).to_have_text(re.compile(re.escape(text["reason_error"])))
    assert page.is_checked("input[name=channel][value=whatsapp]")  # what was typed is kept
    check_accessibility(page, f"correction with an error ({language})")
    page.fill("#reason", "Звонок был в WhatsApp, канал выбран ошибочно.")
    with page.expect_navigation():
        page.click("#amend-form button[type=submit]")
    history = page.locator("table.history")
    expect(history).to_contain_text(text["correction"])
    expect(history).to_contain_text(text["whatsapp"])
    expect(history).to_contain_text("канал выбран ошибочно")
    expect(history).to_contain_text(username)


def test_the_danger_panel_and_the_checklist_work_without_the_mouse(site, new_page):
    page = new_page("ru")
    sign_in(page, site, site.user("consultant", "ru"))
    page.focus("input[name=risk][value=immediate_danger]")
    page.keyboard.press("Space")
    expect(page.locator("#danger-panel")).to_be_visible()
    assert page.evaluate("document.activeElement.name") == "risk"  # the panel never takes the focus
    page.keyboard.press("ArrowDown")  # the next flag, as in any group of choices
    assert page.evaluate("document.activeElement.value") == "suicidal_ideation"
    # Enter in a one-line field never saves the call.
    page.click("details.personal > summary")
    page.focus("#caller_name")
    page.keyboard.type("Айгуль")
    # A submission Enter set off would have been dispatched by the time the key press returns: count
    # the ones that went through (not prevented) instead of waiting for a navigation that never comes.
    page.evaluate("window.sentByEnter = 0; window.addEventListener('submit', "
                  "e => { if (!e.defaultPrevented) window.sentByEnter++; })")
    page.keyboard.press("Enter")
    assert page.evaluate("window.sentByEnter") == 0
    assert page.url.endswith("/contacts/new")
    assert page.input_value("#caller_name") == "Айгуль"


def stored_drafts(page) -> dict[str, str]:
    """Every draft this browser keeps, as stored: key → raw text."""
    return page.evaluate("Object.fromEntries([localStorage, sessionStorage].flatMap(s => Object.keys(s)"
                         ".filter(k => k.startsWith('senim:draft:')).map(k => [k, s.getItem(k)])))")


def test_a_draft_is_sealed_in_the_browser_expires_and_goes_with_sign_out(site, new_page):
    """On a shared computer the next person finds nothing readable of a call that was not saved."""
    username = site.user("consultant", "ru")
    page = new_page("ru")
    sign_in(page, site, username)
    page.click("details.personal > summary")
    page.fill("#caller_name", "Гульнар Сапарова")
    page.fill("#caller_phone", "+7 705 111 22 33")
    page.fill("#caller_address", "Абая 17, кв. 4")
    page.fill("#summary", "Муж угрожал ножом вчера вечером")
    wait_for_a_draft_saved_since(page, page_clock(page))  # the draft is written 300 ms after the last keystroke

    drafts = stored_drafts(page)
    assert len(drafts) == 1
    (raw,) = drafts.values()
    stored = json.loads(raw)
    assert set(stored) == {"saved_at", "iv", "sealed"}  # nothing typed is kept beside the sealed part
    datetime.fromisoformat(stored["saved_at"])
    sealed = base64.b64decode(stored["sealed"])
    # Whole words only: a short run of digits may turn up in random ciphertext by chance.
    for typed in ("Гульнар", "Сапарова", "705 111 22 33", "7051112233", "Абая", "ножом"):
        assert typed.encode() not in sealed and typed not in raw

    # Sealed, yet it comes back for the same user.
    page.reload()
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    assert page.input_value("#caller_name") == "Гульнар Сапарова"
    assert page.input_value("#summary") == "Муж угрожал ножом вчера вечером"

    # Signing out asks first; declining keeps the user signed in and the draft kept.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("header form[data-sign-out] button")  # returns once the page's confirm() was answered
    assert asked and "Черновик" in asked[0]
    assert page.url.endswith("/contacts/new") and len(stored_drafts(page)) == 1

    # Accepting signs out and deletes the draft from this computer.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("header form[data-sign-out] button")
    assert "/login" in page.url
    assert stored_drafts(page) == {}
    sign_in(page, site, username)
    expect(page.locator("[data-draft-notice]")).to_be_hidden()
    assert page.input_value("#caller_name") == ""

    # A draft older than a shift is dropped, not restored.
    page.fill("#summary", "Ещё один звонок")
    wait_for_a_draft_saved_since(page, page_clock(page))
    page.evaluate("""() => { for (const k of Object.keys(localStorage).filter(k => k.startsWith('senim:draft:'))) {
        const d = JSON.parse(localStorage.getItem(k)); d.saved_at = new Date(Date.now() - 13 * 3600e3).toISOString();
        localStorage.setItem(k, JSON.stringify(d)); } }""")
    later = page.context.new_page()  # leaving this page would save the draft afresh
    later.goto(site.url + "/contacts/new")
    expect(later.locator("[data-draft-notice]")).to_be_hidden()
    assert later.input_value("#summary") == ""
    assert stored_drafts(later) == {}
