"""Staff display names and working hours set by admins and supervisors (issue 15, items 12 and 13):
on the user's page, through the API, and shown wherever a login was shown before."""
from uuid import UUID

import pytest

from domain.schedule import WEEKDAYS, WeeklySchedule
from tests.conftest import ADMIN
from tests.helpers.web import csrf_token, sign_in

EVERY_DAY = WeeklySchedule.of({day: [["00:00", "23:59"]] for day in WEEKDAYS})


def signed_in(app, username: str, language: str = "ru"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert sign_in(client, username).status_code == 302
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_admin_names_a_consultant_and_every_page_shows_the_name_in_the_pages_language(
        app, senim, admin, consultant):
    as_admin = signed_in(app, admin[0].username)
    page = f"/admin/users/{consultant[0].user_id}"
    saved = as_admin.post(f"{page}/names", data={"names-kk": "Әйгерім Серікқызы", "names-ru": "Айгерим Серикқызы",
                                                 "csrf_token": csrf_token(as_admin, page)})
    assert saved.status_code == 302
    assert "Айгерим Серикқызы" in text(as_admin.get(page))
    assert "Айгерим Серикқызы" in text(as_admin.get("/admin/users"))

    in_russian = text(signed_in(app, consultant[0].username, "ru").get("/contacts/new", follow_redirects=True))
    assert "Айгерим Серикқызы · консультант" in in_russian
    in_kazakh = text(signed_in(app, consultant[0].username, "kk").get("/contacts/new", follow_redirects=True))
    assert "Әйгерім Серікқызы" in in_kazakh
    assert f"{consultant[0].username} · " not in in_russian + in_kazakh


def test_the_claimant_is_named_on_a_referral_by_display_name(app, senim, consultant, psychologist):
    senim.staff.set_display_names(UUID(psychologist[0].user_id), names={"ru": "Гульнара Ахметова"}, actor=ADMIN)
    referral_id = senim.referrals.make(
        {"source": "police", "target": "family_service", "reason": "Угрозы.", "urgency": "urgent",
         "consent": {"services": True}, "subject_role": "aggressor"}, actor=consultant[0]).id
    senim.referrals.claim(referral_id, actor=psychologist[0])
    body = text(signed_in(app, consultant[0].username).get(f"/referrals/{referral_id}"))
    assert "Гульнара Ахметова" in body and psychologist[0].username not in body


def test_the_api_sets_and_lists_display_names_for_admins_only(client, admin, supervisor, consultant):
    path = f"/api/v1/users/{consultant[0].user_id}/display-names"
    assert client.put(path, json={"kk": "Әйгерім", "ru": "Айгерим"}, headers=supervisor[1]).status_code == 403
    done = client.put(path, json={"kk": "Әйгерім", "ru": "Айгерим"}, headers=admin[1])
    assert done.status_code == 200 and "X-Senim-Position" in done.headers
    listed = client.get(f"/api/v1/users/{consultant[0].user_id}", headers=admin[1]).json
    assert listed["display_names"] == {"kk": "Әйгерім", "ru": "Айгерим"} and listed["username"] == consultant[0].username
    too_long = client.put(path, json={"ru": "А" * 101}, headers=admin[1])
    assert too_long.status_code == 422 and "ru" in too_long.json["errors"]


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_an_admin_or_a_supervisor_sets_a_psychologists_working_hours_on_her_page(app, senim, role, make_user,
                                                                                 psychologist):
    boss, _ = make_user(role)
    client = signed_in(app, boss.username)
    page = f"/admin/users/{psychologist[0].user_id}"
    assert client.get(page).status_code == 200
    hours = f"{page}/hours"
    form = {"csrf_token": csrf_token(client, hours), "monday-0-start": "09:00", "monday-0-end": "13:00",
            "monday-1-start": "14:00", "monday-1-end": "18:00", "friday-0-start": "10:00", "friday-0-end": "16:00"}
    saved = client.post(hours, data=form)
    assert saved.status_code == 302, text(saved)
    schedule = senim.staff.get(UUID(psychologist[0].user_id)).schedule
    assert [str(shift) for shift in schedule.days[0]] == ["09:00–13:00", "14:00–18:00"]
    assert "09:00–13:00, 14:00–18:00" in text(client.get(page))
    bad = client.post(hours, data={**form, "csrf_token": csrf_token(client, hours), "tuesday-0-start": "18:00",
                                   "tuesday-0-end": "09:00"})
    assert bad.status_code == 422


def test_a_supervisor_unlocks_on_the_users_page_but_manages_no_account(app, senim, supervisor, consultant):
    client = signed_in(app, supervisor[0].username)
    page = text(client.get(f"/admin/users/{consultant[0].user_id}"))
    assert "/unlock" not in page or "Разблокировать" in page
    assert f"/admin/users/{consultant[0].user_id}/role" not in page
    assert f"/admin/users/{consultant[0].user_id}/password" not in page
    assert f"/admin/users/{consultant[0].user_id}/names" not in page
    head = senim.store.head()
    for action, data in (("disable", {"disable-reason": "x"}), ("role", {"role-role": "admin"}),
                         ("password", {"password-password": "a new password 1", "password-password_again": "a new password 1"}),
                         ("names", {"names-ru": "X"})):
        refused = client.post(f"/admin/users/{consultant[0].user_id}/{action}",
                              data={**data, "csrf_token": csrf_token(client, "/admin/users")})
        assert refused.status_code == 403, action
    assert client.get("/admin/users/new").status_code == 403
    assert senim.store.head() == head


def test_a_consultant_or_psychologist_gets_403_on_user_pages(app, consultant, psychologist):
    for who in (consultant, psychologist):
        client = signed_in(app, who[0].username)
        assert client.get(f"/admin/users/{who[0].user_id}").status_code == 403
        assert client.get(f"/admin/users/{who[0].user_id}/hours").status_code == 403


def test_the_password_rule_is_stated_before_the_password_is_typed(app, admin):
    client = signed_in(app, admin[0].username)
    body = text(client.get("/admin/users/new"))
    assert body.index("Не короче 8 символов") < body.index('type="password"')
