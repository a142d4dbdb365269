"""Staff accounts, their API tokens, and the directory that maps usernames to accounts."""
import re
from datetime import datetime, timedelta
from uuid import UUID, NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import STAFF_ROLES, SYSTEM_ROLE, Actor
from domain.errors import Conflict, Forbidden, Invalid
from domain.schedule import WeeklySchedule

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
LANGUAGES = ("kk", "ru", "en")

# Repeated wrong passwords lock the account for a while: enough to stop guessing, short enough
# that a consultant who mistyped on a night shift is back before the next call is lost.
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)


def check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise Invalid("username", "Use 2-63 characters: latin letters, digits, '.', '_' or '-'.")
    return username


def check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise Invalid("role", f"Unknown role {role!r}; one of {', '.join(STAFF_ROLES)}.")
    return role


class User(Aggregate):
    """A member of staff. Never deleted: disabling keeps every event they signed."""

    # Plain data of WeeklySchedule.as_dict(); None until working hours are set.
    working_hours: dict | None = None
    # Times of the latest failed sign-ins (at most LOCKOUT_FAILURES), cleared by a good one.
    failed_sign_ins: tuple = ()
    # When the user last signed in to the web UI; None: never.
    last_signed_in_at: datetime | None = None

    @classmethod
    def create(cls, *, username: str, role: str, password_hash: str, actor: Actor) -> "User":
        return cls(username=check_username(username), role=check_role(role),
                   password_hash=password_hash, actor=actor.as_dict())

    @event("Created")
    def __init__(self, *, username: str, role: str, password_hash: str, actor: dict):
        self.username = username
        self.role = role
        self.password_hash = password_hash
        self.active = True
        self.revoked_tokens: set[str] = set()
        self.preferences: dict = {}

    def as_actor(self) -> Actor:
        return Actor(user_id=str(self.id), username=self.username, role=self.role)

    def change_role(self, *, role: str, actor: Actor) -> None:
        if check_role(role) == self.role:
            raise Conflict(f"The user already has the role {role!r}.", state=self.role)
        self._role_changed(role=role, previous_role=self.role, actor=actor.as_dict())

    @event("RoleChanged")
    def _role_changed(self, role: str, previous_role: str, actor: dict) -> None:
        self.role = role

    def disable(self, *, reason: str, actor: Actor) -> None:
        if not self.active:
            raise Conflict("The user is already disabled.", state="disabled")
        self._disabled(reason=reason, actor=actor.as_dict())

    @event("Disabled")
    def _disabled(self, reason: str, actor: dict) -> None:
        self.active = False

    def enable(self, *, actor: Actor) -> None:
        if self.active:
            raise Conflict("The user is already active.", state="active")
        self._enabled(actor=actor.as_dict())

    @event("Enabled")
    def _enabled(self, actor: dict) -> None:
        self.active = True

    def change_password(self, *, password_hash: str, actor: Actor) -> None:
        self._password_changed(password_hash=password_hash, actor=actor.as_dict())

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: dict) -> None:
        self.password_hash = password_hash

    def revoke_token(self, *, token_id: UUID, actor: Actor) -> None:
        if str(token_id) in self.revoked_tokens:
            raise Conflict("The token is already revoked.", state="revoked")
        self._token_revoked(token_id=str(token_id), actor=actor.as_dict())

    @event("TokenRevoked")
    def _token_revoked(self, token_id: str, actor: dict) -> None:
        self.revoked_tokens.add(token_id)

    # Signing in to the web UI ------------------------------------------------------------------

    @property
    def language(self) -> str | None:
        return self.preferences.get("language")

    def choose_language(self, language: str, *, actor: Actor) -> None:
        if language not in LANGUAGES:
            raise Invalid("language", f"One of {', '.join(LANGUAGES)}.")
        self._language_chosen(language=language, actor=actor.as_dict())

    @event("LanguageChosen")
    def _language_chosen(self, language: str, actor: dict) -> None:
        self.preferences = {**self.preferences, "language": language}

    def locked_until(self, now: datetime) -> datetime | None:
        """When a lock-out from repeated failed sign-ins ends, or None when the user may sign in."""
        failures = self.failed_sign_ins
        if len(failures) < LOCKOUT_FAILURES:
            return None
        last = failures[-1]
        in_window = [at for at in failures if last - at < LOCKOUT_WINDOW]
        if len(in_window) >= LOCKOUT_FAILURES and now < last + LOCKOUT_DURATION:
            return last + LOCKOUT_DURATION
        return None

    def note_failed_sign_in(self, *, at: datetime, remote_addr: str | None) -> None:
        self._sign_in_failed(at=at, remote_addr=remote_addr)

    @event("SignInFailed")
    def _sign_in_failed(self, at: datetime, remote_addr: str | None) -> None:
        # Only the last few matter for the lock-out; the events keep them all for the audit.
        self.failed_sign_ins = (*self.failed_sign_ins[-(LOCKOUT_FAILURES - 1):], at)

    def note_signed_in(self, *, at: datetime, remote_addr: str | None) -> None:
        self._signed_in(at=at, remote_addr=remote_addr)

    @event("SignedIn")
    def _signed_in(self, at: datetime, remote_addr: str | None) -> None:
        self.failed_sign_ins = ()
        self.last_signed_in_at = at

    def unlock(self, *, actor: Actor) -> None:
        """An admin clears the failed sign-ins, so a locked-out user need not wait for the lock to end."""
        if not self.failed_sign_ins:
            raise Conflict("The account has no failed sign-ins to clear.", state="unlocked")
        self._unlocked(failed_sign_ins=len(self.failed_sign_ins), actor=actor.as_dict())

    @event("Unlocked")
    def _unlocked(self, failed_sign_ins: int, actor: dict) -> None:
        self.failed_sign_ins = ()

    # Working hours (режим работы) ------------------------------------------------------------

    def set_working_hours(self, schedule: WeeklySchedule, actor: Actor) -> None:
        """Admins and supervisors set anyone's hours; a psychologist sets their own."""
        own = actor.user_id is not None and actor.user_id == str(self.id)
        if not (actor.has_role("admin", "supervisor", SYSTEM_ROLE) or (own and actor.has_role("psychologist"))):
            raise Forbidden("Only an admin, a supervisor or the psychologist themself may set working hours.")
        if not isinstance(schedule, WeeklySchedule):
            raise Invalid("schedule", "Give a weekly schedule.")
        self._working_hours_set(schedule=schedule.as_dict(), actor=actor.as_dict())

    @event("WorkingHoursSet")
    def _working_hours_set(self, schedule: dict, actor: dict) -> None:
        self.working_hours = schedule

    @property
    def schedule(self) -> WeeklySchedule | None:
        """The working hours as a WeeklySchedule; None when none were ever set."""
        return None if self.working_hours is None else WeeklySchedule.of(self.working_hours)


class ApiToken(Aggregate):
    """A bearer token. Only a hash of its secret is stored; the token names its own id."""

    @event("Issued")
    def __init__(self, *, user_id: UUID, secret_hash: str, actor: dict):
        self.user_id = user_id
        self.secret_hash = secret_hash


class StaffDirectory(Aggregate):
    """Usernames to user ids, in one aggregate so a username is taken at most once.

    Ids are never derived from names (ids are stored unencrypted), so the directory holds the
    mapping in its encrypted event state instead.
    """

    ID = uuid5(NAMESPACE_URL, "senim:staff-directory")

    @staticmethod
    def create_id() -> UUID:
        return StaffDirectory.ID

    @event("Opened")
    def __init__(self):
        self.user_ids: dict[str, str] = {}

    def list_user(self, *, username: str, user_id: UUID) -> None:
        if username in self.user_ids:
            raise Conflict(f"The username {username!r} is taken.", state="taken")
        self._user_listed(username=username, user_id=str(user_id))

    @event("UserListed")
    def _user_listed(self, username: str, user_id: str) -> None:
        self.user_ids[username] = user_id
