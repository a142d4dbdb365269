"""Holding back repeated failed sign-ins: per username and client address, with a growing wait, never forever."""
from datetime import datetime, timedelta, timezone

from domain.actor import Actor
from domain.staff import FIRST_WAIT, LOCKOUT_FAILURES, LOCKOUT_WINDOW, LONGEST_WAIT, User, held_back_until

NOW = datetime(2026, 11, 21, 23, 0, tzinfo=timezone.utc)


def user() -> User:
    return User.create(username="aigerim", role="consultant", password_hash="x", actor=Actor.system("t"))


def fail(account: User, *moments: datetime, address: str = "10.0.0.1") -> None:
    for moment in moments:
        account.note_failed_sign_in(at=moment, remote_addr=address)


def test_fewer_failures_than_the_limit_do_not_hold_back():
    assert held_back_until([NOW] * (LOCKOUT_FAILURES - 1), NOW) is None


def test_the_limit_holds_back_for_the_first_wait_then_lets_the_next_try_through():
    failures = [NOW - timedelta(seconds=i) for i in range(LOCKOUT_FAILURES)]
    assert held_back_until(failures, NOW) == NOW + FIRST_WAIT
    assert held_back_until(failures, NOW + FIRST_WAIT) is None


def test_every_further_failure_doubles_the_wait_up_to_the_longest():
    waits = []
    for extra in range(12):
        failures = [NOW] * (LOCKOUT_FAILURES + extra)
        waits.append(held_back_until(failures, NOW) - NOW)
    assert waits[:3] == [FIRST_WAIT, FIRST_WAIT * 2, FIRST_WAIT * 4]
    assert max(waits) == waits[-1] == LONGEST_WAIT


def test_failures_older_than_the_window_are_forgotten():
    old = [NOW - LOCKOUT_WINDOW - timedelta(seconds=1)] * (LOCKOUT_FAILURES * 2)
    assert held_back_until(old, NOW) is None


def test_failures_before_an_unlock_do_not_count():
    failures = [NOW - timedelta(seconds=10)] * LOCKOUT_FAILURES
    assert held_back_until(failures, NOW, since=NOW - timedelta(seconds=5)) is None


def test_the_admin_page_sees_the_hold_of_any_address_but_each_address_counts_alone():
    account = user()
    fail(account, *[NOW] * (LOCKOUT_FAILURES - 1), address="10.0.0.1")
    fail(account, *[NOW] * (LOCKOUT_FAILURES - 1), address="10.0.0.2")
    assert account.locked_until(NOW) is None  # eight failures, but no address reached the limit
    fail(account, NOW, address="10.0.0.2")
    assert account.locked_until(NOW) == NOW + FIRST_WAIT


def test_a_good_sign_in_forgets_the_failures_from_its_address():
    account = user()
    fail(account, *[NOW] * (LOCKOUT_FAILURES - 1))
    account.note_signed_in(at=NOW, remote_addr="10.0.0.1")
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
