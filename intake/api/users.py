"""Staff accounts, managed by admins; every change is an event.

Granting the supervisor or admin role, and resetting the password of a supervisor or an admin,
take two people: the admin's call answers 202 with a pending request, and a different admin or a
supervisor approves (or rejects) it under /users/approvals; until then nothing changes.
"""
from uuid import UUID

from flask import jsonify
from marshmallow import Schema, fields

from domain.clock import utc_now
from domain.staff import User
from domain.staff_approval import APPROVER_ROLES
from intake.api.blueprint import ApiBlueprint
from intake.api.fields import Code, NonBlankText, Text
from intake.api.idempotency import idempotent
from intake.api.schemas import REASON_MAX, CreatedOut
from intake.api.writes import written
from intake.auth import current_actor, requires
from intake.running import senim
from intake.services.staff import Pending

blp = ApiBlueprint("users", __name__, url_prefix="/api/v1/users", description="Staff accounts (admin).")


class UserIn(Schema):
    username = Text(max_length=63, required=True)
    role = Code("staff_roles", required=True)
    password = Text(max_length=1024, required=True, load_only=True)


class RoleIn(Schema):
    role = Code("staff_roles", required=True)


class DisableIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)


class PasswordIn(Schema):
    password = Text(max_length=1024, required=True, load_only=True)


class DisplayNamesIn(Schema):
    """The name the pages show for a member of staff, per spelling; the login stays for signing in."""
    kk = Text(max_length=100, allow_none=True, metadata={
        "description": "Kazakh spelling; empty or null: none.", "example": "Әйгерім Серікқызы"})
    ru = Text(max_length=100, allow_none=True, metadata={
        "description": "Russian spelling; empty or null: none.", "example": "Айгерим Серикқызы"})


class UserOut(Schema):
    id = fields.UUID()
    username = fields.String()
    display_names = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The name the pages show, by language (kk, ru); {} when none was set.",
        "example": {"kk": "Әйгерім Серікқызы", "ru": "Айгерим Серикқызы"}})
    role = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime(format="iso")


class PendingOut(Schema):
    id = fields.UUID(metadata={"description": "The staff change request, to be approved by someone else."})
    position = fields.Integer()
    state = fields.String(metadata={"description": "Always \"pending\": nothing has changed yet."})


class ChangeOut(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": "new_user, role or password."})
    user_id = fields.UUID(allow_none=True, metadata={"description": "The account concerned; null for a new one."})
    username = fields.String()
    role = fields.String(metadata={"description": "The role granted, or the role of the account whose "
                                                  "password is reset."})
    state = fields.String(metadata={"description": "pending, approved, rejected or expired."})
    requested_by = fields.Dict()
    requested_at = fields.DateTime(format="iso")
    expires_at = fields.DateTime(format="iso")
    decided_by = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)


class RejectIn(Schema):
    reason = NonBlankText(max_length=REASON_MAX, required=True)


def maybe_pending(result, status: int = 200):
    """A write, or 202 with the pending request when it waits for a second person."""
    if isinstance(result, Pending):  # a Response: the 201/200 schema would drop "state"
        body, _, headers = written(result)
        response = jsonify({"id": str(body["id"]), "position": body["position"], "state": "pending"})
        response.status_code = 202
        response.headers.update(headers)
        return response
    return written(result, status)


def change_view(change) -> dict:
    return {"id": change.id, "kind": change.kind, "user_id": change.user_id, "username": change.username,
            "role": change.role, "state": "expired" if change.is_expired(utc_now()) else change.state,
            "requested_by": change.requested_by, "requested_at": change.created_on,
            "expires_at": change.expires_at(), "decided_by": change.decided_by, "reason": change.reason}


def user_view(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_names": user.display_names, "role": user.role,
            "active": user.active, "created_at": user.created_on}


@blp.route("", methods=["GET"])
@requires("admin")
@blp.response(200, UserOut(many=True))
def list_users():
    """Every account, active or disabled."""
    return [user_view(user) for user in senim().staff.list_users()]


@blp.route("", methods=["POST"])
@requires("admin")
@blp.arguments(UserIn())
@blp.response(201, CreatedOut)
@blp.alt_response(202, schema=PendingOut, description="Waits for a second person's approval.")
@idempotent()
def add_user(body):
    """Create an account; a taken username is 409. A supervisor or admin account waits for approval."""
    return maybe_pending(senim().staff.add_user(actor=current_actor(), **body), 201)


@blp.route("/<uuid:user_id>", methods=["GET"])
@requires("admin")
@blp.response(200, UserOut)
def get_user(user_id: UUID):
    return user_view(senim().staff.get(user_id))


@blp.route("/<uuid:user_id>/role", methods=["POST"])
@requires("admin")
@blp.arguments(RoleIn())
@blp.response(200, CreatedOut)
@blp.alt_response(202, schema=PendingOut, description="Waits for a second person's approval.")
def change_role(body, user_id: UUID):
    """Change a role; every session of the user ends. To supervisor or admin: waits for approval."""
    return maybe_pending(senim().staff.change_role(user_id, role=body["role"], actor=current_actor()))


@blp.route("/<uuid:user_id>/display-names", methods=["PUT"])
@requires("admin")
@blp.arguments(DisplayNamesIn())
@blp.response(200, CreatedOut)
def set_display_names(body, user_id: UUID):
    """Set the name the pages show instead of the login, in Kazakh and Russian spelling; both are
    replaced (a spelling left out or empty is removed). Unchanged names record nothing."""
    names = {code: value for code, value in body.items() if value}
    return written(senim().staff.set_display_names(user_id, names=names, actor=current_actor()))


@blp.route("/<uuid:user_id>/disable", methods=["POST"])
@requires("admin")
@blp.arguments(DisableIn())
@blp.response(200, CreatedOut)
def disable_user(body, user_id: UUID):
    """Disable an account: its tokens stop working at once."""
    return written(senim().staff.disable(user_id, reason=body["reason"], actor=current_actor()))


@blp.route("/<uuid:user_id>/enable", methods=["POST"])
@requires("admin")
@blp.response(200, CreatedOut)
def enable_user(user_id: UUID):
    return written(senim().staff.enable(user_id, actor=current_actor()))


@blp.route("/<uuid:user_id>/password", methods=["POST"])
@requires("admin")
@blp.arguments(PasswordIn())
@blp.response(200, CreatedOut)
@blp.alt_response(202, schema=PendingOut, description="Waits for a second person's approval.")
def reset_password(body, user_id: UUID):
    """Reset a password; every session of the user ends. A supervisor's or admin's waits for approval."""
    return maybe_pending(senim().staff.set_password(user_id, password=body["password"], actor=current_actor()))


@blp.route("/approvals", methods=["GET"])
@requires(*APPROVER_ROLES)
@blp.response(200, ChangeOut(many=True))
def list_approvals():
    """Staff changes waiting for a second person, oldest first."""
    return [change_view(change) for change in senim().staff.pending_changes()]


@blp.route("/approvals/<uuid:change_id>", methods=["GET"])
@requires(*APPROVER_ROLES)
@blp.response(200, ChangeOut)
def get_approval(change_id: UUID):
    """One staff change request, in any state."""
    return change_view(senim().staff.change(change_id))


@blp.route("/approvals/<uuid:change_id>/approve", methods=["POST"])
@requires(*APPROVER_ROLES)
@blp.response(200, CreatedOut)
def approve(change_id: UUID):
    """Approve a request: the change is made now. Refused (403) to its requester and to the account's
    holder; 409 when it was already decided or has expired. Answers the id of the account changed."""
    return written(senim().staff.approve_change(change_id, actor=current_actor()))


@blp.route("/approvals/<uuid:change_id>/reject", methods=["POST"])
@requires(*APPROVER_ROLES)
@blp.arguments(RejectIn())
@blp.response(200, CreatedOut)
def reject(body, change_id: UUID):
    """Reject a request with a reason: nothing changes. Refused (403) to its requester."""
    return written(senim().staff.reject_change(change_id, reason=body["reason"], actor=current_actor()))
