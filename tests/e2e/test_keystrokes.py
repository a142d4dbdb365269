"""How many keys the common tasks take, keyboard only (issue 15's "Measure"): per role, each task done
as a keyboard user does it, every key press and every typed character counted, printed and kept in
tests/e2e/artifacts/keystrokes-<store>.txt. Before issue 15 the same tasks took 260 (a domestic-violence
call with flags, checklist and referral), 32 (a silent call) and 167 keys (a WhatsApp consultation)."""
import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

from domain.clock import SERVICE_TIMEZONE
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_psychologist import staff

BEFORE = {"a domestic-violence call with flags, checklist and referral": 260, "a silent call": 32,
          "a WhatsApp consultation": 167}
# Answers to the 24 questions of the victim risk checklist, as digits (1 yes, 2 no, 3 unknown).
CHECKLIST = "112121311221212132121121"


class Keys:
    """The keyboard of a page that counts: each press is one key, each typed character one key."""

    def __init__(self, page):
        self.page, self.count, self.typed = page, 0, 0

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)
        self.typed += len(text)

    def tab_to(self, selector: str, limit: int = 200) -> None:
        """Tab until the element is focused, as a person does who knows where it is."""
        for _ in range(limit):
            if self.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.press("Tab")
        raise AssertionError(f"{selector} not reached with Tab")


def report(site, role: str, counts: dict[str, tuple[int, int]]) -> None:
    lines = [f"{role} ({site.store}): {task}: {keys} keys ({typed} of them typed text)"
             + (f"; before: {BEFORE[task]}" if task in BEFORE else "") for task, (keys, typed) in counts.items()]
    print("\n" + "\n".join(lines))
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / f"keystrokes-{site.store}.txt").open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def new_call(page, site) -> Keys:
    page.goto(site.url + "/contacts/new")
    expect(page.locator("#answer")).to_be_focused()
    return Keys(page)


def saved(page, keys: Keys) -> None:
    with page.expect_navigation():
        keys.press("Enter")
    expect(page.locator("#journal-number")).to_be_visible()


def test_a_consultant_s_common_tasks_take_few_keys(site, new_page):
    page = new_page("ru")
    sign_in(page, site, site.user("consultant", "ru"))
    counts = {}

    # A domestic-violence call: the victim, what happened, four danger flags, two safety steps, an urgent
    # referral to the police with her consent, the whole risk checklist.
    keys = new_call(page, site)
    keys.press("Enter")  # answered: the number is next
    keys.type("87015551234")
    keys.press("Tab", "Tab", "Tab", "1")  # channel (phone), type (consultation), caller: the victim
    keys.press("Tab", "1", "Tab", "2", "Tab", "1")  # a woman, in Russian, in a town
    keys.press("Tab")
    keys.type("34")
    keys.press("Escape", "KeyW", "3", "Tab")  # physical violence, then the summary
    keys.type("Муж избил и душил, угрожает ножом.")
    keys.press("Escape", "KeyE", "1", "4", "6", "7")  # immediate danger, weapon, threats to kill, strangulation
    expect(page.locator("#danger-panel")).to_be_visible()
    keys.press("Tab", "1", "3")  # the safety plan: safe now, a safe place
    keys.press("Tab", "Enter")  # an urgent referral: to the police, emergency
    expect(page.locator("input[name=consent_services][value=yes]")).to_be_focused()
    keys.press("Space")  # she agrees
    keys.press("KeyY")
    for answer in CHECKLIST:
        keys.press(answer)
    keys.press("KeyU")
    saved(page, keys)
    expect(page.locator("main")).to_contain_text("Полиция")
    counts["a domestic-violence call with flags, checklist and referral"] = (keys.count, keys.typed)

    # A silent call.
    keys = new_call(page, site)
    keys.press("3")
    saved(page, keys)
    counts["a silent call"] = (keys.count, keys.typed)

    # A WhatsApp consultation.
    keys = new_call(page, site)
    keys.press("Enter")
    keys.type("87075550000")
    keys.press("Tab", "2", "Tab", "Tab", "1", "Tab", "1")  # WhatsApp, a consultation, the victim, a woman
    keys.press("KeyW", "6", "Tab")  # psychological violence, then the summary
    keys.type("Консультация о разводе и алиментах.")
    keys.press("Escape", "KeyR", "2", "1")  # support and information given
    keys.press("KeyT", "1", "Tab", "1")  # consent to services and to statistics
    keys.press("KeyU")
    saved(page, keys)
    expect(page.locator("main")).to_contain_text("WhatsApp")
    counts["a WhatsApp consultation"] = (keys.count, keys.typed)

    report(site, "consultant", counts)
    assert counts["a silent call"][0] <= 3


def test_a_psychologist_claims_and_schedules_a_referral_with_few_keys(site, new_page):
    psychologist = staff(site, "psychologist", "ru")
    consultant = staff(site, "consultant", "ru", hours=None)
    with site.services() as senim:
        referral_id = senim.referrals.make(
            {"source": "helpline", "target": "family_service", "urgency": "urgent", "subject_role": "victim",
             "reason": f"Линия доверия: нужна консультация психолога ({uuid.uuid4().hex[:6]}).",
             "consent": {"services": True}}, actor=consultant).id
    page = new_page("ru")
    sign_in(page, site, psychologist.username)
    keys = Keys(page)
    claim = f'form[action="/referrals/{referral_id}/claim"] button'
    expect(page.locator(claim)).to_be_visible()
    keys.tab_to(claim)
    with page.expect_navigation():
        keys.press("Enter")
    keys.tab_to(f'.flash-success a[href="/referrals/{referral_id}"]')
    with page.expect_navigation():
        keys.press("Enter")
    day = datetime.now(SERVICE_TIMEZONE).date() + timedelta(days=7)
    while day.weekday() > 4:
        day += timedelta(days=1)
    keys.tab_to("#schedule-day")
    # The date and time fields take their digits in the browser's own order: month first in Chromium's
    # default English, day first in a Russian one; a 12-hour clock wants A for the morning.
    keys.type(day.strftime("%m%d%Y"))
    if page.input_value("#schedule-day") != day.isoformat():
        page.focus("#schedule-day")
        keys.type(day.strftime("%d%m%Y"))
    assert page.input_value("#schedule-day") == day.isoformat()
    keys.tab_to("#schedule-start")
    keys.type("1000")
    if page.input_value("#schedule-start") == "":
        keys.type("A")
    assert page.input_value("#schedule-start") == "10:00"
    keys.tab_to("#schedule-heading ~ .schedule-layout button[type=submit]")
    with page.expect_navigation():
        keys.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("Встреча назначена.")
    report(site, "psychologist", {"claiming and scheduling a referral": (keys.count, keys.typed)})
