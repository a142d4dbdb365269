"""Working hours on the User aggregate: who may set them, and that they replay from the event."""
import pytest

from domain.actor import Actor
from domain.errors import Forbidden
from domain.schedule import WeeklySchedule
from domain.staff import User

HOURS = WeeklySchedule.of({"monday": [["09:00", "13:00"], ["14:00", "18:00"]], "friday": [["10:00", "12:00"]]})
ADMIN = Actor(user_id="a1", username="aigerim", role="admin")


def a_user(role="psychologist") -> User:
    return User.create(username="bota", role=role, password_hash="x", actor=ADMIN)


def test_admins_supervisors_and_the_psychologist_themself_may_set_hours():
    user = a_user()
    for actor in (ADMIN, Actor(user_id="s1", username="saule", role="supervisor"), user.as_actor()):
        user.set_working_hours(HOURS, actor)
    assert user.schedule == HOURS
    assert user.working_hours == {"monday": [["09:00", "13:00"], ["14:00", "18:00"]], "friday": [["10:00", "12:00"]]}


@pytest.mark.parametrize("actor", [
    Actor(user_id="p2", username="dana", role="psychologist"),
    Actor(user_id="c1", username="erlan", role="consultant"),
])
def test_anyone_else_is_forbidden(actor):
    user = a_user()
    with pytest.raises(Forbidden):
        user.set_working_hours(HOURS, actor)
    assert user.schedule is None


def test_a_consultant_may_not_set_their_own_hours_either():
    user = a_user("consultant")
    with pytest.raises(Forbidden):
        user.set_working_hours(HOURS, user.as_actor())


def test_hours_replay_from_the_events():
    user = a_user()
    user.set_working_hours(HOURS, ADMIN)
    events = user.collect_events()
    replayed = None
    for stored in events:
        replayed = stored.mutate(replayed)
    assert replayed.schedule == HOURS
    assert type(events[-1]).__name__ == "WorkingHoursSet"
    assert events[-1].schedule == HOURS.as_dict()
