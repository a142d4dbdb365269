"""A person answers a feedback questionnaire on a phone (390 px wide) in Kazakh, with the keyboard, in a
real browser: no sideways scrolling, no script needed, nothing left in the browser, a second answer
through the same link refused; and the supervisor's page of questionnaires shows the figures."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, screenshot, sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def token(site):
    with site.services() as senim:
        consultant = senim.staff.get(senim.staff.user_id_of(site.user("consultant", "kk"))).as_actor()
        return senim.questionnaires.create_link({"questionnaire": "consultation_feedback", "language": "kk"},
                                                actor=consultant).token


def test_a_person_answers_on_a_phone_in_kazakh_and_the_link_then_closes(site, new_page, token):
    page = new_page("kk")
    page.set_viewport_size(PHONE)
    page.goto(f"{site.url}/feedback/{token}")
    expect(page.locator("h1")).to_have_text("Кеңес туралы пікір")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page, "the public feedback page (kk, 390 px)")
    # Keyboard only: a radio group is one tab stop, the arrow keys choose within it.
    page.locator("#answer-satisfied-1").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#answer-satisfied-5")).to_be_checked()
    page.locator("#answer-listened-4").check()
    page.locator("#answer-helped-yes").check()
    page.locator("#answer-what_helped-support").check()
    page.locator("#answer-own_language-yes").check()
    page.locator("#answer-recommend-yes").check()
    page.locator("#answer-comment").fill("Рахмет, көп көмектестіңіз.")
    screenshot(page, f"feedback-public-kk-390-{site.store}")
    page.locator("#answer-comment").focus()
    page.keyboard.press("Tab")
    expect(page.locator("button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Рахмет!")
    assert page.context.cookies() == []
    assert page.evaluate("window.localStorage.length + window.sessionStorage.length") == 0
    screenshot(page, f"feedback-thanks-kk-390-{site.store}")
    answer = page.goto(f"{site.url}/feedback/{token}")
    assert answer.status == 409
    expect(page.locator("h1")).to_have_text("Бұл сілтеме жабық")


def test_a_missing_answer_is_named_at_the_top_and_next_to_the_question(site, new_page, token):
    page = new_page("kk")
    page.set_viewport_size(PHONE)
    page.goto(f"{site.url}/feedback/{token}?lang=ru")
    page.locator("#answer-satisfied-4").check()
    page.locator("button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Пожалуйста, ответьте на этот вопрос.")
    expect(page.locator("#answer-satisfied-4")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page, "the public feedback page with errors (ru, 390 px)")


def test_the_supervisor_sees_the_questionnaires_and_their_figures(site, new_page, token):
    page = new_page("ru")
    sign_in(page, site, site.user("supervisor", "ru"))
    page.goto(site.url + "/questionnaires")
    expect(page.locator("h1")).to_have_text("Анкеты")
    page.get_by_role("link", name="Отзыв о консультации").click()
    expect(page.locator("h1")).to_have_text("Отзыв о консультации")
    check_accessibility(page, "the analysis of a questionnaire")
    screenshot(page, f"questionnaire-analysis-{site.store}")


def test_a_consultant_makes_a_link_and_shows_its_qr_code(site, new_page):
    page = new_page("kk")
    sign_in(page, site, site.user("consultant", "kk"))
    page.get_by_role("link", name="Пікір сілтемесі").click()
    expect(page.locator("h1")).to_have_text("Пікір сілтемесін беру")
    check_accessibility(page, "the page that hands out a feedback link")
    page.locator("#hours").fill("72")
    page.locator("#hours").press("Enter")
    expect(page.locator("h1")).to_have_text("Кеңес туралы пікір")
    qr = page.locator("figure.qr img")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('figure.qr img').naturalWidth") > 100
    address = page.locator("#feedback-address").input_value()
    assert "/feedback/" in address
    check_accessibility(page, "a feedback link with its QR code")
    screenshot(page, f"feedback-link-qr-{site.store}")
