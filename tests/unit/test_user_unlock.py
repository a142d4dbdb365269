"""An admin unlocks an account locked by wrong passwords; the last sign-in is kept on the User."""
from datetime import datetime, timedelta, timezone

import pytest

from domain.actor import Actor
from domain.errors import Conflict
from domain.staff import LOCKOUT_FAILURES, User
from tests.helpers.events import replay, through_storage

ADMIN = Actor(user_id="a1", username="aigerim", role="admin")
NOW = datetime(2026, 3, 2, 23, 40, tzinfo=timezone.utc)


def a_locked_user() -> User:
    user = User.create(username="bota", role="consultant", password_hash="x", actor=ADMIN)
    for minute in range(LOCKOUT_FAILURES):
        user.note_failed_sign_in(at=NOW + timedelta(minutes=minute), remote_addr="10.0.0.7")
    return user


def test_unlocking_lets_a_locked_out_user_sign_in_at_once():
    user = a_locked_user()
    moment = NOW + timedelta(minutes=LOCKOUT_FAILURES - 1, seconds=10)  # within the first wait
    assert user.locked_until(moment) is not None
    user.unlock(actor=ADMIN)
    assert user.locked_until(moment) is None
    assert user.failed_sign_ins == ()


def test_the_unlock_is_an_event_naming_the_admin_and_how_many_failures_it_cleared():
    user = a_locked_user()
    user.unlock(actor=ADMIN)
    unlocked = user.collect_events()[-1]
    assert type(unlocked).__name__ == "Unlocked"
    assert unlocked.actor == ADMIN.as_dict() and unlocked.failed_sign_ins == LOCKOUT_FAILURES


def test_an_account_without_failed_sign_ins_has_nothing_to_unlock():
    user = User.create(username="bota", role="consultant", password_hash="x", actor=ADMIN)
    with pytest.raises(Conflict):
        user.unlock(actor=ADMIN)


def test_the_unlock_and_the_last_sign_in_replay_from_the_stored_events():
    user = a_locked_user()
    user.unlock(actor=ADMIN)
    user.note_signed_in(at=NOW + timedelta(hours=1), remote_addr="10.0.0.7")
    again = replay(through_storage(user.collect_events()))
    assert again.failed_sign_ins == ()
    assert again.last_signed_in_at == NOW + timedelta(hours=1)


def test_a_user_who_never_signed_in_has_no_last_sign_in():
    assert User.create(username="bota", role="consultant", password_hash="x", actor=ADMIN).last_signed_in_at is None
