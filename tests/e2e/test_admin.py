"""An admin manages staff accounts in a real browser, in Kazakh and in Russian: creates a user, changes
their role, resets their password, and the user's open session ends at once."""
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, check_accessibility, screenshot, sign_in

# What each language's pages say (checked against the translations, not the English source).
WORDS = {
    "kk": {"users": "Пайдаланушылар", "new_user": "Жаңа пайдаланушы", "create": "Есептік жазба құру",
           "differ": "Құпиясөздер сәйкес келмейді", "created": "есептік жазбасы құрылды",
           "change_role": "Рөлді өзгерту", "role_changed": "Рөл өзгертілді", "set_password": "Жаңа құпиясөзді орнату",
           "password_reset": "Құпиясөз ауыстырылды", "sign_in": "Senim жүйесіне кіру", "active": "Белсенді",
           "psychologist": "психолог"},
    "ru": {"users": "Пользователи", "new_user": "Новый пользователь", "create": "Создать учётную запись",
           "differ": "Пароли не совпадают", "created": "создана", "change_role": "Изменить роль",
           "role_changed": "Роль изменена", "set_password": "Установить новый пароль",
           "password_reset": "Пароль сброшен", "sign_in": "Вход в Senim", "active": "Активна",
           "psychologist": "психолог"},
}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_admin_creates_a_user_changes_the_role_and_a_password_reset_signs_the_user_out(
        site, new_page, language):
    words = WORDS[language]
    admin = new_page(language)
    sign_in(admin, site, site.user("admin", language))
    assert admin.url.endswith("/admin/users")
    assert admin.locator("h1").inner_text() == words["users"]
    check_accessibility(admin, f"users ({language})")
    screenshot(admin, f"admin-users-{language}-{site.store}")

    # A new account; a mistyped second password is explained next to the field, nothing else is lost.
    username = f"new-{language}-{uuid.uuid4().hex[:5]}"
    admin.click(f"text={words['new_user']}")
    admin.fill("#username", username)
    admin.select_option("#role", "consultant")
    admin.fill("#password", "first words 1")
    admin.fill("#password_again", "first wordz 1")
    with admin.expect_navigation():
        admin.click(f"main button:has-text('{words['create']}')")
    assert words["differ"] in admin.locator("#password_again-error").inner_text()
    assert admin.input_value("#username") == username
    assert admin.evaluate("document.activeElement.classList.contains('error-summary')")
    check_accessibility(admin, f"new user with an error ({language})")
    screenshot(admin, f"admin-new-user-error-{language}-{site.store}")
    admin.fill("#password", "first words 1")
    admin.fill("#password_again", "first words 1")
    with admin.expect_navigation():
        admin.click(f"main button:has-text('{words['create']}')")
    assert admin.locator("h1").inner_text().startswith(username)
    assert words["created"] in admin.locator(".flash-success").inner_text()
    user_page = admin.url

    # The new user signs in elsewhere and stays signed in.
    user = new_page(language)
    sign_in(user, site, username, "first words 1")
    assert "/login" not in user.url

    # Role: the admin makes them a psychologist; the history says who did it.
    admin.select_option("#role-role", "psychologist")
    with admin.expect_navigation():
        admin.click("main form[action$='/role'] button")
    assert words["psychologist"] in admin.locator(".facts").inner_text().lower()
    history = admin.locator("table").first.inner_text()
    assert words["role_changed"] in history and site.user("admin", language) in history

    # Password reset: the user's open session ends at once; the new password works.
    admin.fill("#password-password", "second words 2")
    admin.fill("#password-password_again", "second words 2")
    with admin.expect_navigation():
        admin.click(f"main button:has-text('{words['set_password']}')")
    assert words["password_reset"] in admin.locator("table").first.inner_text()
    check_accessibility(admin, f"user page ({language})")
    screenshot(admin, f"admin-user-{language}-{site.store}")
    user.reload()
    assert "/login" in user.url
    assert user.locator("h1").inner_text() == words["sign_in"]
    sign_in(user, site, username, "second words 2")
    assert "/login" not in user.url

    # The list shows the account with its new role.
    admin.goto(site.url + "/admin/users?q=" + username)
    row = admin.locator("tbody tr", has_text=username)
    assert words["psychologist"] in row.inner_text().lower() and words["active"] in row.inner_text()
    assert admin.url != user_page


def test_the_admin_pages_work_with_the_keyboard_alone(site, new_page):
    page = new_page("ru")
    sign_in(page, site, site.user("admin", "ru"))
    page.goto(site.url + "/admin/users/new")
    page.focus("#username")
    page.keyboard.type(f"kbd-{uuid.uuid4().hex[:5]}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "role"
    page.keyboard.press("ArrowDown")
    for field in ("password", "password_again"):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type("keyboard words 1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".flash-success").is_visible()


def test_other_roles_see_a_refusal_page(site, new_page):
    page = new_page("kk")
    # A supervisor opens the user list (to unlock accounts and set working hours); a psychologist may not.
    sign_in(page, site, site.user("psychologist", "kk"))
    response = page.goto(site.url + "/admin/users")
    assert response.status == 403
    check_accessibility(page, "403 page")


APPROVAL_WORDS = {
    "kk": {"approvals": "Мақұлдаулар", "approve": "Мақұлдау", "own": "Өз сұранысыңыз", "approved": "Мақұлданды"},
    "ru": {"approvals": "Согласования", "approve": "Подтвердить", "own": "Ваш собственный запрос",
           "approved": "Подтверждено"},
}


def signed_in(page, site, username: str, password: str = PASSWORD) -> None:
    """Signs in and waits until the signed-in page shows (its sign-out form)."""
    sign_in(page, site, username, password)
    expect(page.locator("form[action='/logout']")).to_be_visible()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_new_supervisor_account_waits_until_a_supervisor_approves_it_on_the_approvals_page(
        site, new_page, language):
    words = APPROVAL_WORDS[language]
    admin = new_page(language)
    signed_in(admin, site, site.user("admin", language))
    username = f"boss-{language}-{uuid.uuid4().hex[:5]}"
    admin.goto(site.url + "/admin/users/new")
    admin.fill("#username", username)
    admin.select_option("#role", "supervisor")
    admin.fill("#password", "boss words 1")
    admin.fill("#password_again", "boss words 1")
    with admin.expect_navigation():
        admin.click("main button[type=submit]")
    expect(admin).to_have_url(site.url + "/admin/approvals")
    row = admin.locator("tbody tr", has_text=username)
    expect(row).to_contain_text(words["own"])
    expect(row.locator("button")).to_have_count(0)  # nobody approves their own request
    check_accessibility(admin, f"approvals, own request ({language})")

    # Not yet an account: signing in with it fails.
    newcomer = new_page(language)
    newcomer.goto(site.url + "/login")
    newcomer.fill("#username", username)
    newcomer.fill("#password", "boss words 1")
    with newcomer.expect_navigation():
        newcomer.click("main button[type=submit]")
    expect(newcomer.locator(".error-summary")).to_be_visible()

    # A supervisor finds the request in the navigation (under "More") and approves it.
    supervisor = new_page(language)
    signed_in(supervisor, site, site.user("supervisor", language))
    supervisor.click("header nav details summary")
    with supervisor.expect_navigation():
        supervisor.click(f"nav a:has-text('{words['approvals']}')")
    row = supervisor.locator("tbody tr", has_text=username)
    expect(row).to_be_visible()
    check_accessibility(supervisor, f"approvals ({language})")
    screenshot(supervisor, f"admin-approvals-{language}-{site.store}")
    with supervisor.expect_navigation():
        row.locator(f"button:has-text('{words['approve']}')").click()
    expect(supervisor.locator(".flash-success")).to_contain_text(words["approved"])
    expect(supervisor.locator("tbody tr", has_text=username)).to_have_count(0)

    signed_in(newcomer, site, username, "boss words 1")
    expect(newcomer).to_have_url(site.url + "/supervision")
