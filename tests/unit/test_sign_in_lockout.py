"""The lock-out after repeated failed sign-ins: long enough to stop guessing, never forever."""
from datetime import datetime, timedelta, timezone

from domain.actor import Actor
from domain.staff import LOCKOUT_DURATION, LOCKOUT_FAILURES, LOCKOUT_WINDOW, User

NOW = datetime(2026, 11, 21, 23, 0, tzinfo=timezone.utc)


def user() -> User:
    return User.create(username="aigerim", role="consultant", password_hash="x", actor=Actor.system("t"))


def fail(account: User, *moments: datetime) -> None:
    for moment in moments:
        account.note_failed_sign_in(at=moment, remote_addr="10.0.0.1")


def test_fewer_failures_than_the_limit_do_not_lock():
    account = user()
    fail(account, *[NOW] * (LOCKOUT_FAILURES - 1))
    assert account.locked_until(NOW) is None


def test_the_limit_within_the_window_locks_for_the_lockout_duration():
    account = user()
    fail(account, *[NOW - timedelta(minutes=i) for i in range(LOCKOUT_FAILURES)][::-1])
    assert account.locked_until(NOW) == NOW + LOCKOUT_DURATION
    assert account.locked_until(NOW + LOCKOUT_DURATION) is None


def test_failures_spread_wider_than_the_window_do_not_lock():
    account = user()
    spacing = LOCKOUT_WINDOW / (LOCKOUT_FAILURES - 1) + timedelta(seconds=1)
    fail(account, *[NOW - spacing * i for i in range(LOCKOUT_FAILURES)][::-1])
    assert account.locked_until(NOW) is None


def test_a_good_sign_in_forgets_the_failures():
    account = user()
    fail(account, *[NOW] * (LOCKOUT_FAILURES - 1))
    account.note_signed_in(at=NOW, remote_addr=None)
    fail(account, NOW)
    assert account.locked_until(NOW) is None


def test_the_language_choice_is_kept_and_checked():
    account = user()
    account.choose_language("kk", actor=Actor.system("t"))
    assert account.language == "kk"
    try:
        account.choose_language("de", actor=Actor.system("t"))
    except Exception as error:
        assert "language" in str(getattr(error, "errors", error))
    else:
        raise AssertionError("an unknown language was accepted")
