"""The admin pages through Flask's test client: only admins, every change an event, errors beside the fields."""
import re
from uuid import UUID

import pytest

from domain.staff import LOCKOUT_FAILURES
from tests.helpers.web import ERROR, pages_in, post_form, sign_in, signed_in_as

PASSWORD = "correct horse 1"


# The browser asks for English, so the messages below read as written in the code.
english = pages_in("en")


@pytest.fixture
def admin(make_user, client):
    return signed_in_as(make_user, client, "admin")


@pytest.fixture
def colleague(make_user):
    actor, _ = make_user("consultant")
    return actor


def errors(response) -> dict[str, str]:
    return {field: message.strip() for field, message in ERROR.findall(response.get_data(as_text=True))}


def events_of(senim, user_id) -> list[str]:
    return [type(event).__name__ for event in senim.store.events_of(UUID(str(user_id)))]


def user_page(user_id) -> str:
    return f"/admin/users/{user_id}"


def second_browser(app, username: str):
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert sign_in(other, username).status_code == 302
    return other


# Who may open the pages -------------------------------------------------------------------------

# Supervisors open the user list and pages to unlock accounts and set working hours, nothing more
# (tests/integration/test_web_staff_names_and_hours.py).
@pytest.mark.parametrize("role", ["consultant", "psychologist"])
def test_staff_other_than_admins_get_a_403_page_on_every_admin_page(client, make_user, senim, role):
    actor, _ = make_user(role)
    target, _ = make_user("consultant")
    sign_in(client, actor.username)
    head = senim.store.head()
    for path in ("/admin/users", "/admin/users/new", user_page(target.user_id)):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.content_type.startswith("text/html")
    refused = post_form(client, user_page(target.user_id) + "/role", {"role-role": "admin"}, token_from="/admin/users")
    assert refused.status_code == 403
    assert senim.store.head() == head  # nothing written, least of all a promotion
    assert 'href="/admin/users"' not in refused.get_data(as_text=True)  # not in their navigation either


def test_without_signing_in_the_admin_pages_send_to_the_sign_in_page(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admin_sees_users_in_the_navigation_and_lands_on_the_list(client, make_user):
    actor, _ = make_user("admin")
    response = sign_in(client, actor.username)
    assert response.headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'aria-current="page">Users<' in page


# The list -----------------------------------------------------------------------------------------

def test_the_list_shows_every_account_with_role_state_hours_and_last_sign_in(client, app, senim, admin,
                                                                            colleague, make_user):
    quiet, _ = make_user("psychologist")
    senim.staff.disable(UUID(quiet.user_id), reason="left", actor=admin)
    second_browser(app, colleague.username)
    page = client.get("/admin/users").get_data(as_text=True)
    rows = {match[0]: match[1] for match in re.findall(r'<th scope="row"><a [^>]+>([^<]+)</a></th>(.*?)</tr>',
                                                        page, re.DOTALL)}
    assert set(rows) >= {admin.username, colleague.username, quiet.username}
    assert "Disabled" in rows[quiet.username] and "Never" in rows[quiet.username]
    assert "Active" in rows[colleague.username] and "Never" not in rows[colleague.username]
    assert "Not set" in rows[colleague.username]


def test_the_list_filters_by_name_role_and_state(client, senim, admin, colleague, make_user):
    other, _ = make_user("psychologist")
    by_role = client.get("/admin/users?role=psychologist").get_data(as_text=True)
    assert other.username in by_role and colleague.username not in by_role
    by_name = client.get(f"/admin/users?q={colleague.username[-6:]}").get_data(as_text=True)
    assert colleague.username in by_name and other.username not in by_name
    by_state = client.get("/admin/users?state=disabled").get_data(as_text=True)
    assert "No account matches these filters." in by_state
    assert client.get("/admin/users?role=<script>&state=%00&q=" + "x" * 5000).status_code == 200


# Creating an account ------------------------------------------------------------------------------

def test_an_admin_creates_a_user_who_can_sign_in(app, client, senim, admin):
    response = post_form(client, "/admin/users/new", {"username": " Dana.K ", "role": "psychologist",
                                                       "password": "two words ok", "password_again": "two words ok"})
    assert response.status_code == 302
    user = senim.staff.get_by_username("dana.k")
    assert response.headers["Location"].endswith(user_page(user.id))
    assert user.role == "psychologist" and user.active
    created = next(iter(senim.store.events_of(user.id)))
    assert created.actor["username"] == admin.username
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The account dana.k was created." in page and "Account created" in page
    assert sign_in(app.test_client(), "dana.k", "two words ok").status_code == 302


@pytest.mark.parametrize("form, field, message", [
    ({"username": "taken", "password": "long enough", "password_again": "long enough"},
     "username", "This username is taken; choose another one."),
    ({"username": "new.one", "password": "short", "password_again": "short"},
     "password", "Use at least 8 characters."),
    ({"username": "new.one", "password": "long enough", "password_again": "long enougH"},
     "password_again", "The two passwords differ; type the same one twice."),
    ({"username": "Жанна", "password": "long enough", "password_again": "long enough"},
     "username", "Use 2 to 63 characters"),
    ({"username": "new.one", "role": "root", "password": "long enough", "password_again": "long enough"},
     "role", "Choose one of the offered roles."),
    ({"username": "", "password": "", "password_again": ""}, "username", "Fill in this field."),
    ({"username": "x" * 5000, "password": "y" * 5000, "password_again": "y" * 5000},
     "username", "Use at most 63 characters."),
])
def test_a_refused_account_is_explained_next_to_its_field_keeps_what_was_typed_and_writes_nothing(
        client, senim, make_user, admin, form, field, message):
    make_user("consultant", "taken")
    head = senim.store.head()
    response = post_form(client, "/admin/users/new", {"role": "consultant", **form})
    assert response.status_code == 422
    assert errors(response)[field].startswith(message)
    page = response.get_data(as_text=True)
    assert 'data-draft-restore="never"' in page and 'class="error-summary"' in page
    if form["username"] and len(form["username"]) < 100:
        assert f'value="{form["username"]}"' in page
    assert senim.store.head() == head


# Changing an account ------------------------------------------------------------------------------

def test_changing_the_role_is_an_event_signed_by_the_admin_and_ends_the_users_sessions(app, client, senim, admin,
                                                                                       colleague):
    browser = second_browser(app, colleague.username)
    assert browser.get("/queue").status_code == 403
    response = post_form(client, user_page(colleague.user_id) + "/role", {"role-role": "psychologist"},
                         token_from=user_page(colleague.user_id))
    assert response.status_code == 302
    assert senim.staff.get(UUID(colleague.user_id)).role == "psychologist"
    changed = list(senim.store.events_of(UUID(colleague.user_id)))[-1]
    assert type(changed).__name__ == "RoleChanged" and changed.actor["username"] == admin.username
    assert changed.previous_role == "consultant"
    assert "/login" in browser.get("/queue").headers["Location"]  # the open session ended with the old role
    assert second_browser(app, colleague.username).get("/queue").status_code == 200
    page = client.get(user_page(colleague.user_id)).get_data(as_text=True)
    assert "Role changed" in page and "from consultant to psychologist" in page


def test_the_same_role_again_is_explained_next_to_the_field(client, senim, admin, colleague):
    head = senim.store.head()
    response = post_form(client, user_page(colleague.user_id) + "/role", {"role-role": "consultant"},
                         token_from=user_page(colleague.user_id))
    assert response.status_code == 422
    assert errors(response)["role-role"] == f"{colleague.username} already has this role."
    assert senim.store.head() == head


def test_resetting_a_password_signs_the_user_out_everywhere(app, client, senim, admin, colleague):
    browser = second_browser(app, colleague.username)
    assert "/login" not in browser.get("/").headers.get("Location", "")
    response = post_form(client, user_page(colleague.user_id) + "/password",
                         {"password-password": "brand new words", "password-password_again": "brand new words"},
                         token_from=user_page(colleague.user_id))
    assert response.status_code == 302
    assert events_of(senim, colleague.user_id)[-1] == "PasswordChanged"
    signed_out = browser.get("/")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    assert sign_in(app.test_client(), colleague.username, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), colleague.username, "brand new words").status_code == 302
    history = client.get(user_page(colleague.user_id)).get_data(as_text=True)
    assert "Password reset" in history
    assert senim.staff.get(UUID(colleague.user_id)).password_hash not in history


def test_an_admin_who_resets_their_own_password_stays_signed_in(client, senim, admin):
    response = post_form(client, user_page(admin.user_id) + "/password",
                         {"password-password": "my new words", "password-password_again": "my new words"},
                         token_from=user_page(admin.user_id))
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_a_short_or_mismatched_new_password_is_explained_and_changes_nothing(client, senim, admin, colleague):
    head = senim.store.head()
    response = post_form(client, user_page(colleague.user_id) + "/password",
                         {"password-password": "short", "password-password_again": "other"},
                         token_from=user_page(colleague.user_id))
    assert response.status_code == 422
    assert errors(response) == {"password-password": "Use at least 8 characters.",
                                "password-password_again": "The two passwords differ; type the same one twice."}
    assert senim.store.head() == head


def test_disabling_needs_a_reason_signs_the_user_out_and_enabling_lets_them_back(app, client, senim, admin, colleague):
    browser = second_browser(app, colleague.username)
    path = user_page(colleague.user_id)
    head = senim.store.head()
    refused = post_form(client, path + "/disable", {"disable-reason": "   "}, token_from=path)
    assert refused.status_code == 422 and errors(refused)["disable-reason"] == "Fill in this field."
    assert senim.store.head() == head
    disabling = post_form(client, path + "/disable", {"disable-reason": "Left the service"}, token_from=path)
    assert disabling.status_code == 302
    disabled = list(senim.store.events_of(UUID(colleague.user_id)))[-1]
    assert type(disabled).__name__ == "Disabled" and disabled.reason == "Left the service"
    assert disabled.actor["username"] == admin.username
    assert "/login" in browser.get("/").headers["Location"]
    assert sign_in(app.test_client(), colleague.username).status_code == 401
    page = client.get(path).get_data(as_text=True)
    assert "Reason: Left the service" in page and "Enable the account" in page
    assert post_form(client, path + "/enable", {}, token_from=path).status_code == 302
    assert events_of(senim, colleague.user_id)[-1] == "Enabled"
    assert sign_in(app.test_client(), colleague.username).status_code == 302


def test_disabling_twice_or_enabling_an_active_account_says_so_without_an_event(client, senim, admin, colleague):
    path = user_page(colleague.user_id)
    head = senim.store.head()
    response = post_form(client, path + "/enable", {}, token_from=path, follow_redirects=True)
    assert response.status_code == 200 and "was already active" in response.get_data(as_text=True)
    assert senim.store.head() == head


def test_an_admin_unlocks_a_locked_out_account(app, client, senim, admin, colleague):
    for _ in range(LOCKOUT_FAILURES):
        sign_in(app.test_client(), colleague.username, "wrong password")
    assert sign_in(app.test_client(), colleague.username).status_code == 401
    path = user_page(colleague.user_id)
    page = client.get(path).get_data(as_text=True)
    assert "Locked out" in page and "Unlock the account" in page and "Wrong password" in page
    assert post_form(client, path + "/unlock", {}, token_from=path).status_code == 302
    unlocked = list(senim.store.events_of(UUID(colleague.user_id)))[-1]
    assert type(unlocked).__name__ == "Unlocked" and unlocked.actor["username"] == admin.username
    assert sign_in(app.test_client(), colleague.username).status_code == 302
    again = client.get(path).get_data(as_text=True)
    assert "Account unlocked" in again and "Unlock the account" not in again


def test_unlocking_an_account_that_is_not_locked_writes_nothing(client, senim, admin, colleague):
    head = senim.store.head()
    path = user_page(colleague.user_id)
    response = post_form(client, path + "/unlock", {}, token_from=path, follow_redirects=True)
    assert "was not locked out" in response.get_data(as_text=True)
    assert senim.store.head() == head


def test_an_admin_cannot_demote_or_disable_themself(client, senim, admin):
    path = user_page(admin.user_id)
    page = client.get(path).get_data(as_text=True)
    assert "This is your own account." in page and "Disable the account" not in page
    head = senim.store.head()
    post_form(client, path + "/role", {"role-role": "consultant"}, token_from=path)
    post_form(client, path + "/disable", {"disable-reason": "oops"}, token_from=path)
    assert senim.store.head() == head
    assert client.get("/admin/users").status_code == 200


def test_every_admin_change_is_an_event_on_the_users_history(app, client, senim, admin, colleague):
    path = user_page(colleague.user_id)
    for action, form in (("/role", {"role-role": "psychologist"}),
                         ("/password", {"password-password": "fresh words 1",
                                        "password-password_again": "fresh words 1"}),
                         ("/disable", {"disable-reason": "long leave"}),
                         ("/enable", {})):
        assert post_form(client, path + action, form, token_from=path).status_code == 302, action
    changes = [event for event in senim.store.events_of(UUID(colleague.user_id))
               if getattr(event, "actor", None) and event.actor.get("username") == admin.username]
    assert [type(event).__name__ for event in changes] == ["RoleChanged", "PasswordChanged", "Disabled", "Enabled"]
    page = client.get(path).get_data(as_text=True)
    for what in ("Role changed", "Password reset", "Account disabled", "Account enabled", "Account created"):
        assert what in page


@pytest.mark.parametrize("path", ["/admin/users/not-a-uuid", "/admin/users/00000000-0000-0000-0000-000000000000",
                                  "/admin/users/00000000-0000-0000-0000-000000000000/role"])
def test_unknown_accounts_are_a_404_page(client, admin, path):
    if path.endswith("/role"):
        response = post_form(client, path, {}, token_from="/admin/users")
    else:
        response = client.get(path)
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


def test_forms_without_a_csrf_token_are_refused(client, senim, admin, colleague):
    head = senim.store.head()
    response = client.post(user_page(colleague.user_id) + "/role", data={"role-role": "admin"})
    assert response.status_code == 400
    assert senim.store.head() == head


def test_the_pages_speak_russian_and_kazakh(client, senim, admin, colleague):
    senim.staff.choose_language(UUID(admin.user_id), "kk", actor=admin)
    assert "Пайдаланушылар" in client.get("/admin/users").get_data(as_text=True)
    senim.staff.choose_language(UUID(admin.user_id), "ru", actor=admin)
    assert "Пользователи" in client.get(user_page(colleague.user_id)).get_data(as_text=True)


# Two people for a change that opens case content ---------------------------------------------------

def approvals_page(browser) -> str:
    response = browser.get("/admin/approvals")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_granting_the_supervisor_role_waits_for_a_second_person_on_the_approvals_page(app, client, senim, admin,
                                                                                      colleague, make_user):
    path = user_page(colleague.user_id)
    response = post_form(client, path + "/role", {"role-role": "supervisor"}, token_from=path, follow_redirects=True)
    assert "once another admin or a supervisor approves it" in response.get_data(as_text=True)
    assert senim.staff.get(UUID(colleague.user_id)).role == "consultant"
    assert "RoleChanged" not in events_of(senim, colleague.user_id)
    own = approvals_page(client)
    assert f"{colleague.username} becomes supervisor" in own and "Your own request" in own
    assert 'action="/admin/approvals/' not in own  # no button to approve one's own request
    change_id = senim.staff.pending_changes()[0].id
    forced = post_form(client, f"/admin/approvals/{change_id}/approve", {}, token_from="/admin/approvals",
                       follow_redirects=True)
    assert "Someone other than the requester" in forced.get_data(as_text=True)
    assert senim.staff.get(UUID(colleague.user_id)).role == "consultant"

    supervisor, _ = make_user("supervisor")
    second = second_browser(app, supervisor.username)
    assert 'href="/admin/approvals"' in second.get("/cases").get_data(as_text=True)  # in their navigation
    page = approvals_page(second)
    assert f"{colleague.username} becomes supervisor" in page and admin.username in page
    approved = post_form(second, f"/admin/approvals/{change_id}/approve", {}, token_from="/admin/approvals",
                         follow_redirects=True)
    assert "Approved: the change is made." in approved.get_data(as_text=True)
    assert senim.staff.get(UUID(colleague.user_id)).role == "supervisor"
    changed = list(senim.store.events_of(UUID(colleague.user_id)))[-1]
    assert type(changed).__name__ == "RoleChanged" and changed.approval == str(change_id)
    assert "Nothing waits for approval." in approvals_page(second)


def test_a_new_supervisor_account_is_created_only_on_approval_and_a_rejection_needs_a_reason(
        app, client, senim, admin, make_user):
    response = post_form(client, "/admin/users/new", {"username": "boss.two", "role": "supervisor",
                                                      "password": "two words ok", "password_again": "two words ok"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/approvals")
    assert senim.staff.user_id_of("boss.two") is None
    other_admin, _ = make_user("admin")
    second = second_browser(app, other_admin.username)
    change_id = senim.staff.pending_changes()[0].id
    bare = post_form(second, f"/admin/approvals/{change_id}/reject", {"reason": " "}, token_from="/admin/approvals")
    assert bare.status_code == 422 and "Fill in this field." in bare.get_data(as_text=True)
    rejected = post_form(second, f"/admin/approvals/{change_id}/reject", {"reason": "nobody asked"},
                         token_from="/admin/approvals", follow_redirects=True)
    assert "Rejected: nothing was changed." in rejected.get_data(as_text=True)
    assert senim.staff.user_id_of("boss.two") is None
    assert senim.staff.change(change_id).state == "rejected"


def test_a_supervisors_password_reset_from_the_admin_page_waits_for_approval(app, client, senim, admin, make_user):
    target, _ = make_user("supervisor")
    path = user_page(target.user_id)
    response = post_form(client, path + "/password", {"password-password": "taken over 22",
                                                      "password-password_again": "taken over 22"},
                         token_from=path, follow_redirects=True)
    assert "until then the old one stays" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), target.username, "taken over 22").status_code == 401
    assert sign_in(app.test_client(), target.username, PASSWORD).status_code == 302
    assert "PasswordChanged" not in events_of(senim, target.user_id)


def test_consultants_and_psychologists_see_no_approvals_page(client, make_user):
    consultant, _ = make_user("consultant")
    other = client.application.test_client()
    assert sign_in(other, consultant.username).status_code == 302
    assert other.get("/admin/approvals").status_code == 403
