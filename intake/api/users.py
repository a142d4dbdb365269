"""Staff accounts, managed by admins; every change is an event."""
from uuid import UUID

from flask import current_app
from intake.api.blueprint import ApiBlueprint
from marshmallow import Schema, fields

from domain.staff import User
from intake.api.fields import Code, NonBlankText, Text
from intake.api.writes import written
from intake.api.schemas import CreatedOut, REASON_MAX
from intake.api.idempotency import idempotent
from intake.auth import current_actor, requires

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


class UserOut(Schema):
    id = fields.UUID()
    username = fields.String()
    role = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime(format="iso")


def staff():
    return current_app.extensions["senim"].staff


def user_view(user: User) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role, "active": user.active,
            "created_at": user.created_on}


@blp.route("", methods=["GET"])
@requires("admin")
@blp.response(200, UserOut(many=True))
def list_users():
    """Every account, active or disabled."""
    return [user_view(user) for user in staff().list_users()]


@blp.route("", methods=["POST"])
@requires("admin")
@blp.arguments(UserIn())
@blp.response(201, CreatedOut)
@idempotent()
def add_user(body):
    """Create an account; a taken username is 409."""
    return written(staff().add_user(actor=current_actor(), **body), 201)


@blp.route("/<uuid:user_id>", methods=["GET"])
@requires("admin")
@blp.response(200, UserOut)
def get_user(user_id: UUID):
    return user_view(staff().get(user_id))


@blp.route("/<uuid:user_id>/role", methods=["POST"])
@requires("admin")
@blp.arguments(RoleIn())
@blp.response(200, CreatedOut)
def change_role(body, user_id: UUID):
    return written(staff().change_role(user_id, role=body["role"], actor=current_actor()))


@blp.route("/<uuid:user_id>/disable", methods=["POST"])
@requires("admin")
@blp.arguments(DisableIn())
@blp.response(200, CreatedOut)
def disable_user(body, user_id: UUID):
    """Disable an account: its tokens stop working at once."""
    return written(staff().disable(user_id, reason=body["reason"], actor=current_actor()))


@blp.route("/<uuid:user_id>/enable", methods=["POST"])
@requires("admin")
@blp.response(200, CreatedOut)
def enable_user(user_id: UUID):
    return written(staff().enable(user_id, actor=current_actor()))


@blp.route("/<uuid:user_id>/password", methods=["POST"])
@requires("admin")
@blp.arguments(PasswordIn())
@blp.response(200, CreatedOut)
def reset_password(body, user_id: UUID):
    return written(staff().set_password(user_id, password=body["password"], actor=current_actor()))
