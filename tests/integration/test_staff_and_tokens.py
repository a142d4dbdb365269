"""Staff accounts, passwords and API tokens, on SQLite and on PostgreSQL."""
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.errors import Conflict, Invalid
from intake.bootstrap import bootstrap

CLI = Actor.system("cli:root")
PASSWORD = "Qoyan-jyly-2023"


@pytest.fixture
def add_user(senim):
    """Creates a user with PASSWORD; returns its id."""
    def add(username: str = "aigerim", role: str = "consultant", staff=None) -> UUID:
        return (staff or senim.staff).add_user(username=username, role=role, password=PASSWORD, actor=CLI).id
    return add


@pytest.fixture
def issue(senim):
    """Issues a token for a user; returns the token."""
    def issue(user_id: UUID, staff=None) -> str:
        return (staff or senim.staff).issue_token(user_id, actor=CLI)[0]
    return issue


@pytest.fixture
def other_process(settings):
    """A second, independent store on the same database, as a second web process would have."""
    services = bootstrap(settings)
    yield services
    services.close()


def with_secret(token: str, secret: str) -> str:
    prefix, token_id, _ = token.split("_", 2)
    return f"{prefix}_{token_id}_{secret}"


# Tokens -------------------------------------------------------------------------------------

def test_an_issued_token_authenticates_as_its_user(senim, add_user, issue):
    user_id = add_user("Aigerim", "psychologist")
    token = issue(user_id)
    assert senim.staff.authenticate_token(token) == Actor(user_id=str(user_id), username="aigerim",
                                                          role="psychologist")


def test_every_token_is_different_and_each_works(senim, add_user, issue):
    user_id = add_user()
    first, second = issue(user_id), issue(user_id)
    assert first != second
    assert senim.staff.authenticate_token(first) == senim.staff.authenticate_token(second) is not None


def test_a_token_with_a_wrong_secret_is_refused(senim, add_user, issue):
    token = issue(add_user())
    secret = token.split("_", 2)[2]
    assert senim.staff.authenticate_token(with_secret(token, secret[:-1] + ("A" if secret[-1] != "A" else "B"))) is None
    assert senim.staff.authenticate_token(with_secret(token, "")) is None
    assert senim.staff.authenticate_token(token + "x") is None


MALFORMED = [
    "", None, "snm", "snm_", "snm__", "snm_not-hex_secret", "xyz_00000000000000000000000000000000_secret",
    "snm_0123_secret", "snm_жжж_секрет", "Bearer snm_x_y", "snm_" + "f" * 5000 + "_s", "\x00\x00",
]


def test_a_malformed_token_is_refused(senim, add_user, issue):
    issue(add_user())
    assert [presented for presented in MALFORMED if senim.staff.authenticate_token(presented) is not None] == []


def test_a_token_naming_an_unknown_id_is_refused(senim, add_user, issue):
    token = issue(add_user())
    _, _, secret = token.split("_", 2)
    assert senim.staff.authenticate_token(f"snm_{uuid4().hex}_{secret}") is None


def test_a_token_naming_a_user_id_instead_of_a_token_id_is_refused(senim, add_user, issue):
    user_id = add_user()
    _, _, secret = issue(user_id).split("_", 2)
    assert senim.staff.authenticate_token(f"snm_{user_id.hex}_{secret}") is None


def test_a_disabled_users_token_is_refused_until_they_are_enabled(senim, add_user, issue):
    user_id = add_user()
    token = issue(user_id)
    senim.staff.disable(user_id, reason="On leave", actor=CLI)
    assert senim.staff.authenticate_token(token) is None
    senim.staff.enable(user_id, actor=CLI)
    assert senim.staff.authenticate_token(token).user_id == str(user_id)


def test_no_token_is_issued_to_a_disabled_user(senim, add_user):
    user_id = add_user()
    senim.staff.disable(user_id, reason="Left", actor=CLI)
    with pytest.raises(Conflict):
        senim.staff.issue_token(user_id, actor=CLI)


def test_a_revoked_token_is_refused_and_the_others_still_work(senim, add_user, issue):
    user_id = add_user()
    lost, kept = issue(user_id), issue(user_id)
    senim.staff.revoke_token(UUID(hex=lost.split("_")[1]), actor=CLI)
    assert senim.staff.authenticate_token(lost) is None
    assert senim.staff.authenticate_token(kept).user_id == str(user_id)


def test_a_role_change_takes_effect_on_the_very_next_authentication(senim, add_user, issue):
    user_id = add_user(role="consultant")
    token = issue(user_id)
    assert senim.staff.authenticate_token(token).role == "consultant"  # the user is now cached
    senim.staff.change_role(user_id, role="supervisor", actor=CLI)
    assert senim.staff.authenticate_token(token).role == "supervisor"


# Accounts and passwords ---------------------------------------------------------------------

@pytest.mark.parametrize("taken", ["aigerim", "AIGERIM", " aigerim "])
def test_a_taken_username_conflicts(senim, add_user, taken):
    first = add_user("aigerim")
    with pytest.raises(Conflict):
        add_user(taken, "supervisor")
    assert [user.id for user in senim.staff.list_users()] == [first]


def test_a_short_password_is_refused(senim):
    with pytest.raises(Invalid) as refused:
        senim.staff.add_user(username="aigerim", role="consultant", password="short", actor=CLI)
    assert list(refused.value.errors) == ["password"]
    assert senim.staff.list_users() == []


def test_the_right_password_finds_the_user_whatever_the_case_of_the_name(senim, add_user):
    user_id = add_user("aigerim")
    assert senim.staff.verify_password("aigerim", PASSWORD).id == user_id
    assert senim.staff.verify_password(" Aigerim ", PASSWORD).id == user_id


WRONG_CREDENTIALS = [
    ("aigerim", PASSWORD + "!"), ("aigerim", PASSWORD.lower()), ("aigerim", ""), ("aigerim", None),
    ("nobody", PASSWORD), ("", PASSWORD), (None, PASSWORD), ("no one at all", PASSWORD),
]


def test_a_wrong_password_or_unknown_user_finds_nobody(senim, add_user):
    add_user("aigerim")
    found = [(username, password) for username, password in WRONG_CREDENTIALS
             if senim.staff.verify_password(username, password) is not None]
    assert found == []


def test_a_disabled_user_cannot_sign_in_with_the_right_password(senim, add_user):
    user_id = add_user("aigerim")
    senim.staff.disable(user_id, reason="Left", actor=CLI)
    assert senim.staff.verify_password("aigerim", PASSWORD) is None


def test_a_new_password_replaces_the_old_one(senim, add_user):
    user_id = add_user("aigerim")
    senim.staff.set_password(user_id, password="another long one", actor=CLI)
    assert senim.staff.verify_password("aigerim", PASSWORD) is None
    assert senim.staff.verify_password("aigerim", "another long one").id == user_id


def test_a_users_history_says_who_did_each_change(senim, add_user):
    admin = senim.staff.get(add_user("dana", "admin")).as_actor()
    user_id = add_user("aigerim")
    senim.staff.change_role(user_id, role="psychologist", actor=admin)
    senim.staff.disable(user_id, reason="Moved to another city", actor=admin)

    history = list(senim.store.events_of(user_id))
    assert [type(event).__name__ for event in history] == ["Created", "RoleChanged", "Disabled"]
    assert [event.actor for event in history] == [CLI.as_dict(), admin.as_dict(), admin.as_dict()]
    created, role_changed, disabled = history
    assert (created.username, created.role) == ("aigerim", "consultant")
    assert created.password_hash.startswith("$argon2") and PASSWORD not in created.password_hash
    assert (role_changed.previous_role, role_changed.role) == ("consultant", "psychologist")
    assert disabled.reason == "Moved to another city"


# Two web processes on one database ----------------------------------------------------------

def test_a_user_added_in_one_process_is_known_at_once_in_another(senim, other_process, add_user, issue):
    add_user("dana", "admin")
    assert [user.username for user in other_process.staff.list_users()] == ["dana"]  # directory now cached there
    user_id = add_user("aigerim")
    token = issue(user_id)
    assert sorted(user.username for user in other_process.staff.list_users()) == ["aigerim", "dana"]
    assert other_process.staff.verify_password("aigerim", PASSWORD).id == user_id
    assert other_process.staff.authenticate_token(token).user_id == str(user_id)


def test_changes_made_in_one_process_apply_at_once_in_the_other(senim, other_process, add_user, issue):
    user_id = add_user("aigerim")
    token = issue(user_id)
    assert other_process.staff.authenticate_token(token).role == "consultant"  # cached over there

    senim.staff.change_role(user_id, role="psychologist", actor=CLI)
    assert other_process.staff.authenticate_token(token).role == "psychologist"

    other_process.staff.disable(user_id, reason="Left", actor=CLI)
    assert senim.staff.authenticate_token(token) is None

    senim.staff.enable(user_id, actor=CLI)
    other_process.staff.revoke_token(UUID(hex=token.split("_")[1]), actor=CLI)
    assert senim.staff.authenticate_token(token) is None


def test_a_username_taken_in_one_process_conflicts_in_the_other(senim, other_process, add_user):
    add_user("dana", "admin")
    other_process.staff.list_users()  # directory now cached there
    add_user("aigerim")
    with pytest.raises(Conflict):
        add_user("aigerim", staff=other_process.staff)


def test_an_account_change_from_a_stale_copy_conflicts_instead_of_overwriting(senim, other_process, add_user):
    user_id = add_user("aigerim")
    stale = other_process.staff.get(user_id)
    senim.staff.change_role(user_id, role="supervisor", actor=CLI)
    stale.disable(reason="Left", actor=CLI)
    with pytest.raises(Conflict):
        other_process.store.commit(stale)
    assert other_process.staff.get(user_id).active and other_process.staff.get(user_id).role == "supervisor"
