"""Staff accounts, passwords and API tokens."""
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import NamedTuple
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.actor import Actor
from domain.clock import utc_now
from domain.errors import Conflict, Invalid, NotFound
from domain.schedule import WeeklySchedule
from domain.staff import ApiToken, SignInAttempts, StaffDirectory, User, check_role, check_username, session_digest
from domain.staff_approval import StaffChange, StaffChangeIndex, needs_approval
from intake.adapters.store import SenimStore
from intake.services import Written

MIN_PASSWORD_LENGTH = 8
NAMES_SECONDS = 30  # how long the display names read for the pages are reused (display_names)
TOKEN_PREFIX = "snm"
MAX_CACHED_TOKENS = 10_000
# Tests run with cheap hashing parameters (Settings.testing); hashes record their own parameters,
# so either kind verifies anywhere.
FAST_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


# Attempts to record a failed sign-in when another request records one for the same pair at once.
RECORD_TRIES = 3


class SignInRefused(Exception):
    """Why a web sign-in failed: "credentials" (never says which of the two) or "held" (too many
    failures with this username from this address; said the same whether the username exists)."""

    def __init__(self, reason: str, until=None):
        super().__init__(reason)
        self.reason, self.until = reason, until


class SignedIn(NamedTuple):
    """A good web sign-in: the user and the id of the session it opened (the cookie carries it)."""
    user: User
    session_id: str


@dataclass(frozen=True)
class Pending(Written):
    """A staff change waiting for a second person's approval: `id` is the request (StaffChange)."""


def session_parts(session_id: str) -> tuple[UUID, str] | None:
    """(user id, digest of the secret) of a session id "USER_ID:SECRET", or None when malformed."""
    user_id, _, secret = (session_id or "").partition(":")
    if not secret or len(secret) > 200:
        return None
    try:
        return UUID(user_id), session_digest(secret)
    except ValueError:
        return None


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid("password", "password.too_short", count=MIN_PASSWORD_LENGTH)
    if len(password) > 1024:
        raise Invalid("password", "password.too_long", max=1024)
    return password


def _secret_hash(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 is for passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


class StaffService:
    def __init__(self, store: SenimStore, hasher: PasswordHasher | None = None):
        self._names: tuple[float, dict] | None = None  # (when read, display_names())
        self.store = store
        self.hasher = hasher or PasswordHasher()
        # An ApiToken never changes (revocation is recorded on its User, loaded fresh each time),
        # so it is read from the store once per process, not on every request.
        self._tokens: dict[UUID, ApiToken] = {}
        self._dummy_hash: str | None = None

    def dummy_hash(self) -> str:
        """A hash with this hasher's parameters that no password matches: verified for unknown
        usernames, so they cost one argon2 verification, like a known one."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(32))
        return self._dummy_hash

    def _password_matches(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False

    def _directory(self) -> StaffDirectory:
        try:
            return self.store.load(StaffDirectory.ID, StaffDirectory)
        except NotFound:
            return StaffDirectory()

    def user_id_of(self, username: str) -> UUID | None:
        user_id = self._directory().user_ids.get((username or "").strip().lower())
        return UUID(user_id) if user_id else None

    def get(self, user_id: UUID) -> User:
        return self.store.load(user_id, User, "user")

    def get_by_username(self, username: str) -> User:
        user_id = self.user_id_of(username)
        if user_id is None:
            raise NotFound("user.unknown_name", username=username)
        return self.get(user_id)

    def list_users(self) -> list[User]:
        return [self.get(UUID(user_id)) for user_id in self._directory().user_ids.values()]

    def add_user(self, *, username: str, role: str, password: str, actor: Actor) -> Written:
        """The new account, or Pending when its role needs a second person's approval."""
        username, role = check_username(username), check_role(role)
        password_hash = self.hasher.hash(check_password(password))
        if needs_approval(actor, role=role):
            if self.user_id_of(username) is not None:
                raise Conflict("username.taken", state="taken", username=username)
            return self._request(kind="new_user", user_id=None, username=username, role=role,
                                 password_hash=password_hash, actor=actor)
        user = User.create(username=username, role=role, password_hash=password_hash, actor=actor)
        directory = self._directory()
        directory.list_user(username=user.username, user_id=user.id)
        return Written(user.id, self.store.commit(user, directory))

    def change_role(self, user_id: UUID, *, role: str, actor: Actor) -> Written:
        """The changed account, or Pending when the new role needs a second person's approval."""
        user = self.get(user_id)
        if needs_approval(actor, role=check_role(role)):
            if role == user.role:
                raise Conflict("user.already_has_role", state=user.role, role=role, name=user.username)
            return self._request(kind="role", user_id=user.id, username=user.username, role=role,
                                 password_hash=None, actor=actor)
        user.change_role(role=role, actor=actor)
        return Written(user.id, self.store.commit(user))

    def disable(self, user_id: UUID, *, reason: str, actor: Actor) -> Written:
        user = self.get(user_id)
        user.disable(reason=reason, actor=actor)
        return Written(user.id, self.store.commit(user))

    def enable(self, user_id: UUID, *, actor: Actor) -> Written:
        user = self.get(user_id)
        user.enable(actor=actor)
        return Written(user.id, self.store.commit(user))

    def set_password(self, user_id: UUID, *, password: str, actor: Actor, keep_session: str | None = None) -> Written:
        """Resets the password (every session of the user ends), or Pending when the account holds
        a privileged role and someone else resets it: then a second person approves first.

        `keep_session`: the session id of the user changing their own password, left open.
        """
        user = self.get(user_id)
        password_hash = self.hasher.hash(check_password(password))
        own = actor.user_id == str(user.id)
        if not own and needs_approval(actor, holder_role=user.role):
            return self._request(kind="password", user_id=user.id, username=user.username, role=user.role,
                                 password_hash=password_hash, actor=actor)
        parts = session_parts(keep_session) if own and keep_session else None
        kept = parts[1] if parts and parts[0] == user.id else None
        user.change_password(password_hash=password_hash, actor=actor, kept_session=kept)
        return Written(user.id, self.store.commit(user))

    # Two-person staff changes (domain.staff_approval) ------------------------------------------

    def _change_index(self) -> StaffChangeIndex:
        try:
            return self.store.load(StaffChangeIndex.ID, StaffChangeIndex)
        except NotFound:
            return StaffChangeIndex()

    def _request(self, *, kind: str, user_id: UUID | None, username: str, role: str | None,
                 password_hash: str | None, actor: Actor) -> Pending:
        change = StaffChange(kind=kind, user_id=str(user_id) if user_id else None, username=username, role=role,
                             password_hash=password_hash, actor=actor.as_dict())
        index = self._change_index()
        index.add(change.id)
        return Pending(change.id, self.store.commit(change, index))

    def change(self, change_id: UUID) -> StaffChange:
        return self.store.load(change_id, StaffChange, "staff_change")

    def pending_changes(self) -> list[StaffChange]:
        """Requests waiting for a decision, oldest first (expired ones included, marked by the page)."""
        return [self.change(UUID(change_id)) for change_id in self._change_index().pending]

    def approve_change(self, change_id: UUID, *, actor: Actor) -> Written:
        """A second person approves: the change happens now, in the same transaction as the approval."""
        change = self.change(change_id)
        index = self._change_index()
        now = utc_now()
        if change.state == "pending" and change.is_expired(now):
            change.check_decider(actor)
            change.expire(actor=actor)
            index.close(change.id)
            self.store.commit(change, index)
            raise Conflict("staff_change.expired", state="expired")
        change.approve(actor=actor, now=now)
        index.close(change.id)
        approval = change.id
        if change.kind == "new_user":
            user = User.create(username=change.username, role=change.granted_role,
                               password_hash=change.new_password_hash, actor=actor, approval=approval)
            directory = self._directory()
            directory.list_user(username=user.username, user_id=user.id)
            return Written(user.id, self.store.commit(change, index, user, directory))
        user = self.get(UUID(change.user_id))
        if change.kind == "role":
            user.change_role(role=change.granted_role, actor=actor, approval=approval)
        else:
            user.change_password(password_hash=change.new_password_hash, actor=actor, approval=approval)
        return Written(user.id, self.store.commit(change, index, user))

    def reject_change(self, change_id: UUID, *, reason: str, actor: Actor) -> Written:
        change = self.change(change_id)
        change.reject(reason=reason, actor=actor)
        index = self._change_index()
        index.close(change.id)
        return Written(change.id, self.store.commit(change, index))

    def unlock(self, user_id: UUID, *, actor: Actor) -> Written:
        """Clears failed sign-ins: a locked-out user may sign in at once."""
        user = self.get(user_id)
        user.unlock(actor=actor)
        return Written(user.id, self.store.commit(user))

    def set_display_names(self, user_id: UUID, *, names: dict, actor: Actor) -> Written:
        """The name the pages show for the member of staff, by language (kk, ru); nothing is recorded
        when it is unchanged."""
        user = self.get(user_id)
        user.set_display_names(names, actor=actor)
        written = Written(user.id, self.store.commit(user))
        self._names = None
        return written

    def display_names(self) -> dict[str, dict[str, str]]:
        """Every member of staff's display names by user id (and by username): what the pages show
        instead of a login. Read anew at most every NAMES_SECONDS (a name set in another process shows
        after that; one set here, at once): loading every account on every page would cost more."""
        now = time.monotonic()
        if self._names is None or now - self._names[0] > NAMES_SECONDS:
            names: dict[str, dict[str, str]] = {}
            for user in self.list_users():
                if user.display_names:
                    names[str(user.id)] = names[user.username] = dict(user.display_names)
            self._names = (now, names)
        return self._names[1]

    def set_working_hours(self, user_id: UUID, *, schedule: WeeklySchedule, actor: Actor) -> Written:
        user = self.get(user_id)
        user.set_working_hours(schedule, actor)
        return Written(user.id, self.store.commit(user))

    def verify_password(self, username: str, password: str) -> User | None:
        """The active user with that password, or None; one argon2 verification either way."""
        try:
            user = self.get_by_username(username)
        except (NotFound, Invalid):
            user = None
        matches = self._password_matches(user.password_hash if user else self.dummy_hash(), password)
        return user if user is not None and matches and user.active else None

    def _attempts(self, username: str, remote_addr: str | None) -> SignInAttempts:
        key = SignInAttempts.key_of(username, remote_addr)
        try:
            return self.store.load(SignInAttempts.create_id(key), SignInAttempts)
        except NotFound:
            return SignInAttempts(key=key)

    def sign_in(self, username: str, password: str, *, remote_addr: str | None) -> SignedIn:
        """The web UI's sign-in: the user and a new session, or SignInRefused.

        A known and an unknown username take the same steps: one argon2 verification (a dummy hash
        for an unknown name), the same hold per (username, client address), the same answer. A
        failure is recorded for the pair (and on the User when there is one); a good sign-in clears
        that pair only, so failures from elsewhere never hold back the user at their own computer.
        """
        username = (username or "").strip().lower()
        for attempt in range(RECORD_TRIES):
            now = utc_now()
            attempts = self._attempts(username, remote_addr)
            try:
                user = self.get_by_username(username)
            except (NotFound, Invalid):
                user = None
            if attempt == 0:  # a retry after a lost race does not verify again
                matches = self._password_matches(user.password_hash if user else self.dummy_hash(), password)
            since = user.unlocked_at if user else None
            held = attempts.held_back_until(now, since)
            if held is not None:
                raise SignInRefused("held", until=held)
            try:
                if user is not None and matches and user.active:
                    return self._open_session(user, attempts, now, remote_addr)
                attempts.note_failure(at=now)
                if user is not None:
                    user.note_failed_sign_in(at=now, remote_addr=remote_addr)
                self.store.commit(*([user] if user else []), attempts)
            except Conflict:
                continue  # another request for the same pair was recorded at the same moment: again
            held = attempts.held_back_until(now, since)
            raise SignInRefused("held" if held else "credentials", until=held)
        raise SignInRefused("credentials")

    def _open_session(self, user: User, attempts: SignInAttempts, now, remote_addr: str | None) -> SignedIn:
        secret = secrets.token_urlsafe(32)
        user.note_signed_in(at=now, remote_addr=remote_addr, session=session_digest(secret))
        if attempts.failures:  # recorded failures were stored: clear them there (else store nothing)
            attempts.clear(at=now)
            self.store.commit(user, attempts)
        else:
            self.store.commit(user)
        return SignedIn(user, f"{user.id}:{secret}")

    def session_user(self, session_id: str) -> User | None:
        """The user of an open web session, or None when it was signed out, ended or never opened."""
        parts = session_parts(session_id)
        if parts is None:
            return None
        try:
            user = self.get(parts[0])
        except NotFound:
            return None
        return user if user.has_open_session(parts[1]) else None

    def sign_out(self, session_id: str, *, reason: str, actor: Actor, everywhere: bool = True) -> None:
        """Ends the user's sessions on the server (only this one when not `everywhere`, as after an
        idle timeout in one browser): a copy of an ended session's cookie signs nobody in."""
        parts = session_parts(session_id)
        if parts is None:
            return
        try:
            user = self.get(parts[0])
        except NotFound:
            return
        user.sign_out(session=parts[1], reason=reason, actor=actor, everywhere=everywhere)
        try:
            self.store.commit(user)
        except Conflict:  # the user changed at this moment: try once more on the fresh state
            user = self.get(parts[0])
            user.sign_out(session=parts[1], reason=reason, actor=actor, everywhere=everywhere)
            self.store.commit(user)

    def choose_language(self, user_id: UUID, language: str, *, actor: Actor) -> Written:
        user = self.get(user_id)
        if user.language == language:
            return Written(user.id, self.store.head())
        user.choose_language(language, actor=actor)
        return Written(user.id, self.store.commit(user))

    def issue_token(self, user_id: UUID, *, actor: Actor) -> tuple[str, Written]:
        user = self.get(user_id)
        if not user.active:
            raise Conflict("user.disabled", state="disabled", name=user.username)
        secret = secrets.token_urlsafe(32)
        token = ApiToken(user_id=user.id, secret_hash=_secret_hash(secret), actor=actor.as_dict())
        return f"{TOKEN_PREFIX}_{token.id.hex}_{secret}", Written(token.id, self.store.commit(token))

    def authenticate_token(self, presented: str) -> Actor | None:
        """The actor a bearer token stands for, or None when it is unknown, revoked or disabled."""
        parts = (presented or "").split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        try:
            token_id = UUID(hex=parts[1])
        except ValueError:
            return None
        try:
            token = self._token(token_id)
            user = self.get(token.user_id)
        except NotFound:
            return None
        if not hmac.compare_digest(token.secret_hash, _secret_hash(parts[2])):
            return None
        if not user.active or str(token_id) in user.revoked_tokens:
            return None
        return user.as_actor()

    def _token(self, token_id: UUID) -> ApiToken:
        token = self._tokens.get(token_id)
        if token is None:
            token = self.store.load(token_id, ApiToken)  # NotFound is not cached
            if len(self._tokens) >= MAX_CACHED_TOKENS:
                self._tokens.clear()
            self._tokens[token_id] = token
        return token

    def revoke_token(self, token_id: UUID, *, actor: Actor) -> Written:
        token = self.store.load(token_id, ApiToken, "token")
        user = self.get(token.user_id)
        user.revoke_token(token_id=token_id, actor=actor)
        return Written(user.id, self.store.commit(user))
