"""Staff accounts, passwords and API tokens."""
import hashlib
import hmac
import secrets
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.actor import Actor
from domain.clock import utc_now
from domain.errors import Conflict, Invalid, NotFound
from domain.schedule import WeeklySchedule
from domain.staff import ApiToken, StaffDirectory, User
from intake.services import Written
from intake.store import SenimStore

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "snm"
MAX_CACHED_TOKENS = 10_000
# Tests run with cheap hashing parameters (Settings.testing); hashes record their own parameters,
# so either kind verifies anywhere.
FAST_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class SignInRefused(Exception):
    """Why a web sign-in failed: "credentials" (never says which of the two) or "locked"."""

    def __init__(self, reason: str, until=None):
        super().__init__(reason)
        self.reason, self.until = reason, until


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 1024:
        raise Invalid("password", "Use at most 1024 characters.")
    return password


def _secret_hash(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 is for passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


class StaffService:
    def __init__(self, store: SenimStore, hasher: PasswordHasher | None = None):
        self.store = store
        self.hasher = hasher or PasswordHasher()
        # An ApiToken never changes (revocation is recorded on its User, loaded fresh each time),
        # so it is read from the store once per process, not on every request.
        self._tokens: dict[UUID, ApiToken] = {}

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
            raise NotFound(f"No user named {username!r}.")
        return self.get(user_id)

    def list_users(self) -> list[User]:
        return [self.get(UUID(user_id)) for user_id in self._directory().user_ids.values()]

    def add_user(self, *, username: str, role: str, password: str, actor: Actor) -> Written:
        user = User.create(username=username, role=role,
                           password_hash=self.hasher.hash(check_password(password)), actor=actor)
        directory = self._directory()
        directory.list_user(username=user.username, user_id=user.id)
        return Written(user.id, self.store.commit(user, directory))

    def change_role(self, user_id: UUID, *, role: str, actor: Actor) -> Written:
        user = self.get(user_id)
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

    def set_password(self, user_id: UUID, *, password: str, actor: Actor) -> Written:
        user = self.get(user_id)
        user.change_password(password_hash=self.hasher.hash(check_password(password)), actor=actor)
        return Written(user.id, self.store.commit(user))

    def unlock(self, user_id: UUID, *, actor: Actor) -> Written:
        """Clears failed sign-ins: a locked-out user may sign in at once."""
        user = self.get(user_id)
        user.unlock(actor=actor)
        return Written(user.id, self.store.commit(user))

    def set_working_hours(self, user_id: UUID, *, schedule: WeeklySchedule, actor: Actor) -> Written:
        user = self.get(user_id)
        user.set_working_hours(schedule, actor)
        return Written(user.id, self.store.commit(user))

    def verify_password(self, username: str, password: str) -> User | None:
        """The active user with that password, or None; as slow for unknown names as for known."""
        try:
            user = self.get_by_username(username)
        except (NotFound, Invalid):
            self.hasher.hash(password or "")  # same cost either way: no probing for usernames
            return None
        try:
            self.hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        return user if user.active else None

    def sign_in(self, username: str, password: str, *, remote_addr: str | None) -> User:
        """The web UI's sign-in: the user, or SignInRefused; failures and successes are events."""
        now = utc_now()
        try:
            user = self.get_by_username(username)
        except (NotFound, Invalid):
            self.hasher.hash(password or "")  # as slow as a known name: no probing for usernames
            raise SignInRefused("credentials") from None
        locked_until = user.locked_until(now)
        if locked_until is not None:
            raise SignInRefused("locked", until=locked_until)
        try:
            self.hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            user.note_failed_sign_in(at=now, remote_addr=remote_addr)
            self.store.commit(user)
            locked_until = user.locked_until(now)
            raise SignInRefused("locked" if locked_until else "credentials", until=locked_until) from None
        if not user.active:
            raise SignInRefused("credentials")
        user.note_signed_in(at=now, remote_addr=remote_addr)
        self.store.commit(user)
        return user

    def choose_language(self, user_id: UUID, language: str, *, actor: Actor) -> Written:
        user = self.get(user_id)
        if user.language == language:
            return Written(user.id, self.store.head())
        user.choose_language(language, actor=actor)
        return Written(user.id, self.store.commit(user))

    def issue_token(self, user_id: UUID, *, actor: Actor) -> tuple[str, Written]:
        user = self.get(user_id)
        if not user.active:
            raise Conflict("The user is disabled.", state="disabled")
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
