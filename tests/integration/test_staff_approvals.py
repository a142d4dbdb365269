"""Staff changes that open case content take two people, through the API, on SQLite and PostgreSQL.

The attack: an admin makes themself or a new account a supervisor, or resets a supervisor's
password and signs in as them. Each is now a request that changes nothing until a different
admin or supervisor approves it.
"""
from datetime import timedelta
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.staff_approval import APPROVAL_VALID

PASSWORD = "correct horse 1"
NEW_PASSWORD = "taken over 22"


@pytest.fixture
def second_admin(make_user):
    return make_user("admin")


def events_of(senim, user_id) -> list[str]:
    return [type(event).__name__ for event in senim.store.events_of(UUID(str(user_id)))]


def can_sign_in(senim, username: str, password: str) -> bool:
    return senim.staff.verify_password(username, password) is not None


def test_an_admin_cannot_make_themself_a_supervisor_alone(client, senim, admin):
    actor, headers = admin
    response = client.post(f"/api/v1/users/{actor.user_id}/role", json={"role": "supervisor"}, headers=headers)
    assert response.status_code == 202 and response.json["state"] == "pending"
    assert senim.staff.get(UUID(actor.user_id)).role == "admin"
    refused = client.post(f"/api/v1/users/approvals/{response.json['id']}/approve", headers=headers)
    assert refused.status_code == 403
    assert senim.staff.get(UUID(actor.user_id)).role == "admin"
    assert "RoleChanged" not in events_of(senim, actor.user_id)


def test_a_new_supervisor_account_exists_only_after_a_second_persons_approval(client, senim, admin, supervisor):
    _, headers = admin
    supervisor_actor, supervisor_headers = supervisor
    response = client.post("/api/v1/users", json={"username": "new-boss", "role": "supervisor",
                                                  "password": PASSWORD}, headers=headers)
    assert response.status_code == 202
    change_id = response.json["id"]
    assert senim.staff.user_id_of("new-boss") is None and not can_sign_in(senim, "new-boss", PASSWORD)
    listed = client.get("/api/v1/users/approvals", headers=supervisor_headers).json
    assert [(item["id"], item["kind"], item["username"], item["role"], item["state"]) for item in listed] == [
        (change_id, "new_user", "new-boss", "supervisor", "pending")]
    assert "password" not in str(listed)  # not even its hash
    approved = client.post(f"/api/v1/users/approvals/{change_id}/approve", headers=supervisor_headers)
    assert approved.status_code == 200
    user = senim.staff.get_by_username("new-boss")
    assert user.role == "supervisor" and approved.json["id"] == str(user.id)
    assert can_sign_in(senim, "new-boss", PASSWORD)
    created = next(iter(senim.store.events_of(user.id)))
    assert created.approval == change_id and created.actor["user_id"] == supervisor_actor.user_id
    change = client.get(f"/api/v1/users/approvals/{change_id}", headers=headers).json
    assert change["state"] == "approved" and change["decided_by"]["user_id"] == supervisor_actor.user_id
    assert client.get("/api/v1/users/approvals", headers=headers).json == []


def test_a_supervisors_password_reset_waits_and_a_rejection_changes_nothing(client, senim, admin, second_admin,
                                                                            supervisor):
    _, headers = admin
    target, _ = supervisor
    response = client.post(f"/api/v1/users/{target.user_id}/password", json={"password": NEW_PASSWORD},
                           headers=headers)
    assert response.status_code == 202
    assert can_sign_in(senim, target.username, PASSWORD) and not can_sign_in(senim, target.username, NEW_PASSWORD)
    _, other_headers = second_admin
    bare = client.post(f"/api/v1/users/approvals/{response.json['id']}/reject", json={"reason": "  "},
                       headers=other_headers)
    assert bare.status_code == 422
    rejected = client.post(f"/api/v1/users/approvals/{response.json['id']}/reject",
                           json={"reason": "she did not ask for it"}, headers=other_headers)
    assert rejected.status_code == 200
    assert can_sign_in(senim, target.username, PASSWORD) and not can_sign_in(senim, target.username, NEW_PASSWORD)
    again = client.post(f"/api/v1/users/approvals/{response.json['id']}/approve", headers=other_headers)
    assert again.status_code == 409
    assert "PasswordChanged" not in events_of(senim, target.user_id)
    change = senim.staff.change(UUID(response.json["id"]))
    assert [type(event).__name__ for event in senim.store.events_of(change.id)] == ["Requested", "Rejected"]


def test_a_second_admin_approves_a_supervisors_password_reset(client, senim, admin, second_admin, supervisor):
    _, headers = admin
    target, _ = supervisor
    change_id = client.post(f"/api/v1/users/{target.user_id}/password", json={"password": NEW_PASSWORD},
                            headers=headers).json["id"]
    assert client.post(f"/api/v1/users/approvals/{change_id}/approve", headers=second_admin[1]).status_code == 200
    assert can_sign_in(senim, target.username, NEW_PASSWORD)


def test_the_holder_of_the_account_cannot_approve_their_own_promotion(client, senim, admin, make_user):
    _, headers = admin
    colleague, colleague_headers = make_user("supervisor")
    make_user("consultant")
    change_id = client.post(f"/api/v1/users/{colleague.user_id}/password", json={"password": NEW_PASSWORD},
                            headers=headers).json["id"]
    assert client.post(f"/api/v1/users/approvals/{change_id}/approve", headers=colleague_headers).status_code == 403
    assert not can_sign_in(senim, colleague.username, NEW_PASSWORD)


def test_an_expired_request_cannot_be_approved_and_is_recorded_as_expired(senim, admin, supervisor):
    actor, _ = admin
    pending = senim.staff.change_role(UUID(actor.user_id), role="supervisor", actor=actor)
    change = senim.staff.change(pending.id)
    later = change.created_on + APPROVAL_VALID + timedelta(seconds=1)
    assert change.is_expired(later)
    with pytest.raises(Exception) as refused:
        change.approve(actor=supervisor[0], now=later)
    assert getattr(refused.value, "state", None) == "expired"


def test_the_command_line_stays_the_direct_way_for_the_first_supervisor(senim):
    written = senim.staff.add_user(username="first-boss", role="supervisor", password=PASSWORD,
                                   actor=Actor.system("cli:root"))
    assert senim.staff.get(written.id).role == "supervisor"
    created = next(iter(senim.store.events_of(written.id)))
    assert created.actor["role"] == "system" and created.approval is None  # on record as a one-person act
