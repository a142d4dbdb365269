"""Signing in, the language of the pages, and signing out, in a real browser."""
import pytest

from tests.e2e.conftest import check_accessibility, screenshot, sign_in


@pytest.mark.parametrize("language, heading", [("kk", "Senim жүйесіне кіру"), ("ru", "Вход в Senim")])
def test_the_sign_in_page_speaks_the_browsers_language(site, new_page, language, heading):
    page = new_page(language)
    page.goto(site.url + "/login")
    assert page.locator("h1").inner_text() == heading
    assert page.locator("html").get_attribute("lang") == language
    check_accessibility(page, f"sign-in page ({language})")
    screenshot(page, f"sign-in-{language}-{site.store}")


def test_a_wrong_password_is_explained_next_to_the_form_and_the_username_is_kept(site, new_page):
    username = site.user("consultant", "ru")
    page = new_page("ru")
    sign_in(page, site, username, "not the password")
    assert "Неверное имя пользователя или пароль." in page.locator(".error-summary").inner_text()
    assert page.input_value("#username") == username
    assert page.input_value("#password") == ""
    check_accessibility(page, "sign-in page with an error")


def test_the_saved_language_follows_the_user_and_can_be_changed(site, new_page):
    username = site.user("consultant", "kk")
    page = new_page("ru")
    sign_in(page, site, username)
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("button", has_text="Шығу").is_visible()
    page.select_option("#language-choice", "ru")
    with page.expect_navigation():
        page.click("text=Тілді ауыстыру")
    assert page.locator("html").get_attribute("lang") == "ru"
    with page.expect_navigation():
        page.click("text=Выйти")
    assert page.locator("h1").inner_text() == "Вход в Senim"
    sign_in(page, site, username)
    assert page.locator("html").get_attribute("lang") == "ru"  # the choice was saved for the user


def test_signing_in_is_possible_with_the_keyboard_alone(site, new_page):
    username = site.user("supervisor", "ru")
    page = new_page("ru")
    page.goto(site.url + "/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.focus("#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse 1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("button", has_text="Выйти").is_visible()


def test_a_copied_session_cookie_stops_working_once_the_user_signs_out(site, new_page):
    """The attack: a cookie taken from a shared computer, replayed after its owner signed out."""
    from playwright.sync_api import expect
    username = site.user("consultant", "ru")
    page = new_page("ru")
    page.goto(site.url + "/login")
    page.fill("#username", username)
    page.fill("#password", "correct horse 1")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("button", has_text="Выйти")).to_be_visible()
    cookies = page.context.cookies()
    thief = new_page("ru")
    thief.context.add_cookies(cookies)
    thief.goto(site.url + "/contacts/new")
    expect(thief.locator("button", has_text="Выйти")).to_be_visible()  # the copy works while the session is open
    with page.expect_navigation():
        page.click("text=Выйти")
    expect(page.locator("h1")).to_have_text("Вход в Senim")
    thief.goto(site.url + "/contacts/new")
    expect(thief).to_have_url(site.url + "/login?next=%2Fcontacts%2Fnew")
