"""Staff accounts, their API tokens, and the directory that maps usernames to accounts."""
import hashlib
import re
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import STAFF_ROLES, SYSTEM_ROLE, Actor
from domain.clock import utc_now
from domain.errors import Conflict, Forbidden, Invalid, Reason
from domain.ids import OneOfAKind
from domain.schedule import WeeklySchedule

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
LANGUAGES = ("kk", "ru", "en")
# A member of staff's name as the pages show it, spelled for Kazakh and for Russian pages
# ("Әйгерім Серікқызы", "Айгерим Серикқызы"); the login stays for signing in.
DISPLAY_NAME_LANGUAGES = ("kk", "ru")
DISPLAY_NAME_MAX = 100

# Repeated wrong passwords hold back further tries with the same username from the same client
# address, with a wait that doubles with every failure (OWASP ASVS 2.2.1: no hard lock an outsider
# could turn against staff). A consultant who mistyped on a night shift waits seconds, a guesser
# gets about a dozen tries an hour, and a guesser elsewhere cannot hold back the consultant.
LOCKOUT_FAILURES = 5  # free tries before the first wait
LOCKOUT_WINDOW = timedelta(hours=1)  # failures older than this are forgotten
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
# How many failures are kept in the state: enough for the longest wait.
KEPT_FAILURES = LOCKOUT_FAILURES + 8
# Sessions of one user open at a time; opening one more ends the oldest.
MAX_OPEN_SESSIONS = 20


def held_back_until(failures, now: datetime, since: datetime | None = None) -> datetime | None:
    """Until when a further try is held back after these failed sign-in times, or None.

    Only failures in the last LOCKOUT_WINDOW (and after `since`, an admin's unlock) count; after
    LOCKOUT_FAILURES of them the wait is FIRST_WAIT, doubled by every further one, at most
    LONGEST_WAIT, counted from the latest failure.
    """
    recent = sorted(at for at in failures if now - at < LOCKOUT_WINDOW and (since is None or at > since))
    if len(recent) < LOCKOUT_FAILURES:
        return None
    doublings = min(len(recent) - LOCKOUT_FAILURES, 16)
    until = recent[-1] + min(LONGEST_WAIT, FIRST_WAIT * 2 ** doublings)
    return until if now < until else None


def session_digest(session_token: str) -> str:
    """What the store keeps of a session's secret: enough to recognise it, useless to replay."""
    return hashlib.sha256(session_token.encode()).hexdigest()


def check_username(username: str) -> str:
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise Invalid("username", "username.invalid")
    return username


def check_display_names(names) -> dict[str, str]:
    """The spellings given, trimmed; a blank one is no spelling (the other, or the login, is shown)."""
    if not isinstance(names, dict):
        raise Invalid("display_names", "display_name.not_names", languages=DISPLAY_NAME_LANGUAGES)
    errors: dict = {}
    checked = {}
    for language, name in names.items():
        if language not in DISPLAY_NAME_LANGUAGES:
            errors.setdefault(f"display_names.{language}", []).append(
                Reason("display_name.language_unknown", languages=DISPLAY_NAME_LANGUAGES))
        elif name is not None and not isinstance(name, str):
            errors.setdefault(f"display_names.{language}", []).append(Reason("text.not_text"))
        elif isinstance(name, str) and len(name.strip()) > DISPLAY_NAME_MAX:
            errors.setdefault(f"display_names.{language}", []).append(
                Reason("text.longer_than", max=DISPLAY_NAME_MAX))
        elif isinstance(name, str) and name.strip():
            checked[language] = " ".join(name.split())
    if errors:
        raise Invalid.many(errors)
    return checked


def check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise Invalid("role", "role.unknown", role=role, roles=STAFF_ROLES)
    return role


class User(Aggregate):
    """A member of staff. Never deleted: disabling keeps every event they signed."""

    # Plain data of WeeklySchedule.as_dict(); None until working hours are set.
    working_hours: dict | None = None
    # (time, client address) of the latest failed sign-ins, cleared by a good one or an unlock.
    failed_sign_ins: tuple = ()
    # When an admin last cleared the failed sign-ins: earlier failures hold back no address.
    unlocked_at: datetime | None = None
    # Digests of the session ids of this user's open web sessions (intake.web.session). Sign-out
    # removes one; a disable, enable, password or role change removes them all, so a cookie kept
    # from before never works again, in any process.
    open_sessions: tuple = ()
    # When the user last signed in to the web UI; None: never.
    last_signed_in_at: datetime | None = None
    # The name the pages show, as (language, name) pairs (DISPLAY_NAME_LANGUAGES); () until an admin sets one.
    named: tuple = ()

    @classmethod
    def create(cls, *, username: str, role: str, password_hash: str, actor: Actor,
               approval: UUID | None = None) -> "User":
        """`approval`: the StaffChange a second person approved, when the role needed one."""
        return cls(username=check_username(username), role=check_role(role), password_hash=password_hash,
                   actor=actor.as_dict(), approval=str(approval) if approval else None)

    @event("Created")
    def __init__(self, *, username: str, role: str, password_hash: str, actor: dict, approval: str | None = None):
        self.username = username
        self.role = role
        self.password_hash = password_hash
        self.active = True
        self.revoked_tokens: set[str] = set()
        self.preferences: dict = {}

    def as_actor(self) -> Actor:
        return Actor(user_id=str(self.id), username=self.username, role=self.role)

    def change_role(self, *, role: str, actor: Actor, approval: UUID | None = None) -> None:
        if check_role(role) == self.role:
            raise Conflict("user.already_has_role", state=self.role, role=role, name=self.username)
        self._role_changed(role=role, previous_role=self.role, actor=actor.as_dict(),
                           approval=str(approval) if approval else None)

    @event("RoleChanged")
    def _role_changed(self, role: str, previous_role: str, actor: dict, approval: str | None = None) -> None:
        self.role = role
        self.open_sessions = ()

    def disable(self, *, reason: str, actor: Actor) -> None:
        if not self.active:
            raise Conflict("user.already_disabled", state="disabled", name=self.username)
        self._disabled(reason=reason, actor=actor.as_dict())

    @event("Disabled")
    def _disabled(self, reason: str, actor: dict) -> None:
        self.active = False
        self.open_sessions = ()

    def enable(self, *, actor: Actor) -> None:
        if self.active:
            raise Conflict("user.already_active", state="active", name=self.username)
        self._enabled(actor=actor.as_dict())

    @event("Enabled")
    def _enabled(self, actor: dict) -> None:
        self.active = True
        self.open_sessions = ()

    def change_password(self, *, password_hash: str, actor: Actor, approval: UUID | None = None,
                        kept_session: str | None = None) -> None:
        """Every open session ends, except `kept_session` (a digest): the one of a user changing
        their own password."""
        self._password_changed(password_hash=password_hash, actor=actor.as_dict(),
                               approval=str(approval) if approval else None, kept_session=kept_session)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: dict, approval: str | None = None,
                          kept_session: str | None = None) -> None:
        self.password_hash = password_hash
        self.open_sessions = (kept_session,) if kept_session in self.open_sessions else ()

    def revoke_token(self, *, token_id: UUID, actor: Actor) -> None:
        if str(token_id) in self.revoked_tokens:
            raise Conflict("token.already_revoked", state="revoked")
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
            raise Invalid("language", "language.unknown", languages=LANGUAGES)
        self._language_chosen(language=language, actor=actor.as_dict())

    @event("LanguageChosen")
    def _language_chosen(self, language: str, actor: dict) -> None:
        self.preferences = {**self.preferences, "language": language}

    def locked_until(self, now: datetime) -> datetime | None:
        """Until when some client address is held back from signing in as this user, or None.

        For the admin's page: the hold itself is kept per username and address (SignInAttempts),
        so an outsider's failures hold back only the outsider.
        """
        holds = [held_back_until([at for at, where in self.failed_sign_ins if where == address], now,
                                 self.unlocked_at)
                 for address in {where for _, where in self.failed_sign_ins}]
        return max((until for until in holds if until), default=None)

    def note_failed_sign_in(self, *, at: datetime, remote_addr: str | None) -> None:
        self._sign_in_failed(at=at, remote_addr=remote_addr)

    @event("SignInFailed")
    def _sign_in_failed(self, at: datetime, remote_addr: str | None) -> None:
        # Only the last few matter for the hold; the events keep them all for the audit.
        self.failed_sign_ins = (*self.failed_sign_ins[-(KEPT_FAILURES - 1):], (at, remote_addr))

    def note_signed_in(self, *, at: datetime, remote_addr: str | None, session: str | None = None) -> None:
        """A good sign-in; `session` is the digest of the new web session's id (session_digest)."""
        self._signed_in(at=at, remote_addr=remote_addr, session=session)

    @event("SignedIn")
    def _signed_in(self, at: datetime, remote_addr: str | None, session: str | None = None) -> None:
        self.failed_sign_ins = tuple(failure for failure in self.failed_sign_ins if failure[1] != remote_addr)
        self.last_signed_in_at = at
        if session:
            self.open_sessions = (*self.open_sessions[-(MAX_OPEN_SESSIONS - 1):], session)

    def has_open_session(self, session: str) -> bool:
        return self.active and session in self.open_sessions

    def sign_out(self, *, session: str, reason: str, actor: Actor, everywhere: bool) -> None:
        """Ends a web session (`everywhere`: every session of the user): its id, and every copy of
        its cookie, no longer signs anyone in."""
        if session in self.open_sessions:
            self._signed_out(session=session, reason=reason, everywhere=everywhere, actor=actor.as_dict())

    @event("SignedOut")
    def _signed_out(self, session: str, reason: str, everywhere: bool, actor: dict) -> None:
        self.open_sessions = () if everywhere else tuple(one for one in self.open_sessions if one != session)

    def unlock(self, *, actor: Actor) -> None:
        """An admin clears the failed sign-ins, so a held-back user need not wait for the hold to end."""
        if not self.failed_sign_ins:
            raise Conflict("user.not_locked", state="unlocked", name=self.username)
        self._unlocked(failed_sign_ins=len(self.failed_sign_ins), actor=actor.as_dict(), at=utc_now())

    @event("Unlocked")
    def _unlocked(self, failed_sign_ins: int, actor: dict, at: datetime | None = None) -> None:
        self.failed_sign_ins = ()
        self.unlocked_at = at

    # The name the pages show ---------------------------------------------------------------------

    def set_display_names(self, names: dict, *, actor: Actor) -> bool:
        """An admin (or the command line) names the member of staff in Kazakh and Russian spelling;
        the names given replace the earlier ones. Returns False, recording nothing, when nothing changes."""
        if not actor.has_role("admin", SYSTEM_ROLE):
            raise Forbidden("display_name.forbidden")
        checked = check_display_names(names)
        if checked == self.display_names:
            return False
        self._display_names_set(names=checked, actor=actor.as_dict())
        return True

    @event("DisplayNamesSet")
    def _display_names_set(self, names: dict, actor: dict) -> None:
        self.named = tuple(sorted(names.items()))

    @property
    def display_names(self) -> dict[str, str]:
        return dict(self.named)

    def display_name(self, language: str | None = None) -> str:
        """The name for a page in this language: its own spelling, else the other one, else the login."""
        order = (language, *DISPLAY_NAME_LANGUAGES[::-1]) if language else DISPLAY_NAME_LANGUAGES[::-1]
        return next((self.display_names[code] for code in order if self.display_names.get(code)), self.username)

    # Working hours (режим работы) ------------------------------------------------------------

    def set_working_hours(self, schedule: WeeklySchedule, actor: Actor) -> None:
        """Admins and supervisors set anyone's hours; a psychologist sets their own."""
        own = actor.user_id is not None and actor.user_id == str(self.id)
        if not (actor.has_role("admin", "supervisor", SYSTEM_ROLE) or (own and actor.has_role("psychologist"))):
            raise Forbidden("hours.forbidden")
        if not isinstance(schedule, WeeklySchedule):
            raise Invalid("schedule", "schedule.not_weekly")
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


class StaffDirectory(OneOfAKind):
    """Usernames to user ids, in one aggregate so a username is taken at most once.

    Ids are never derived from names (ids are stored unencrypted), so the directory holds the
    mapping in its encrypted event state instead.
    """

    ID = uuid5(NAMESPACE_URL, "senim:staff-directory")

    @event("Opened")
    def __init__(self):
        self.user_ids: dict[str, str] = {}

    def list_user(self, *, username: str, user_id: UUID) -> None:
        if username in self.user_ids:
            raise Conflict("username.taken", state="taken", username=username)
        self._user_listed(username=username, user_id=str(user_id))

    @event("UserListed")
    def _user_listed(self, username: str, user_id: str) -> None:
        self.user_ids[username] = user_id


class SignInAttempts(Aggregate):
    """Failed sign-ins with one username from one client address, whether the username exists or not.

    Kept for unknown usernames too, so a held-back try looks the same for a real user as for a name
    nobody has. The id is derived from a digest of the pair: the store's ids are not encrypted.
    """

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"senim:sign-in-attempts:{key}")

    @staticmethod
    def key_of(username: str, remote_addr: str | None) -> str:
        return hashlib.sha256(f"{username}\0{remote_addr or ''}".encode()).hexdigest()

    @event("Opened")
    def __init__(self, key: str):
        self.failures: tuple = ()

    def held_back_until(self, now: datetime, since: datetime | None = None) -> datetime | None:
        return held_back_until(self.failures, now, since)

    def note_failure(self, *, at: datetime) -> None:
        self._failed(at=at)

    @event("Failed")
    def _failed(self, at: datetime) -> None:
        self.failures = (*self.failures[-(KEPT_FAILURES - 1):], at)

    def clear(self, *, at: datetime) -> None:
        if self.failures:
            self._cleared(at=at)

    @event("Cleared")
    def _cleared(self, at: datetime) -> None:
        self.failures = ()
