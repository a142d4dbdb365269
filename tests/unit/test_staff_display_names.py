"""Staff display names (issue 15, item 12): set by an admin or the command line, in Kazakh and Russian
spelling; the login stays for signing in and is what a page shows while no name is set."""
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import Forbidden, Invalid
from domain.staff import User

ADMIN = Actor(user_id=str(uuid4()), username="dana", role="admin")
SUPERVISOR = Actor(user_id=str(uuid4()), username="saule", role="supervisor")


def a_user() -> User:
    return User.create(username="aigerim", role="consultant", password_hash="x", actor=Actor.system("tests"))


def test_an_admin_names_a_member_of_staff_in_kazakh_and_russian_spelling_and_the_event_says_who():
    user = a_user()
    assert user.set_display_names({"kk": " Әйгерім  Серікқызы ", "ru": "Айгерим Серикқызы"}, actor=ADMIN)
    event = user.collect_events()[-1]
    assert type(event).__name__ == "DisplayNamesSet"
    assert event.names == {"kk": "Әйгерім Серікқызы", "ru": "Айгерим Серикқызы"}
    assert event.actor == ADMIN.as_dict()
    assert user.display_name("kk") == "Әйгерім Серікқызы" and user.display_name("ru") == "Айгерим Серикқызы"
    assert user.display_name("en") == "Айгерим Серикқызы"


def test_without_a_name_the_login_is_shown_and_one_spelling_serves_both_languages():
    user = a_user()
    assert user.display_name("ru") == "aigerim"
    user.set_display_names({"kk": "Әйгерім"}, actor=Actor.system("cli:root"))
    assert user.display_name("ru") == "Әйгерім"
    user.set_display_names({"kk": "", "ru": None}, actor=ADMIN)
    assert user.display_name("kk") == "aigerim" and user.display_names == {}


def test_setting_the_same_names_again_records_nothing():
    user = a_user()
    user.set_display_names({"ru": "Айгерим"}, actor=ADMIN)
    count = len(user.collect_events())
    assert user.set_display_names({"ru": "Айгерим"}, actor=ADMIN) is False
    assert len(user.collect_events()) == 0 and count > 0


def test_only_an_admin_or_the_command_line_names_staff():
    with pytest.raises(Forbidden) as refused:
        a_user().set_display_names({"ru": "Айгерим"}, actor=SUPERVISOR)
    assert refused.value.code == "display_name.forbidden"


def test_a_name_in_another_language_or_too_long_is_refused_naming_the_field():
    with pytest.raises(Invalid) as refused:
        a_user().set_display_names({"en": "Aigerim", "ru": "А" * 101}, actor=ADMIN)
    assert set(refused.value.reasons) == {"display_names.en", "display_names.ru"}
    with pytest.raises(Invalid):
        a_user().set_display_names(["Айгерим"], actor=ADMIN)
