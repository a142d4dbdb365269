"""Settings, read once from the environment (and a .env file) by the composition root."""
import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from urllib.parse import unquote, urlsplit

from domain import reference
from domain.errors import Invalid
from domain.referral import CLAIM_DEADLINES
from domain.retention import CLOSED_CASES, DEFAULTS as RETENTION_DEFAULTS, NON_DATA_CONTACTS, Period, parse_period
from domain.schedule import WorkingDays

DEFAULT_DATABASE_URL = "sqlite:///var/senim.sqlite3"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class ConfigError(ValueError):
    """The configuration cannot work; the message says which variable to fix."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # Signs web sessions (SENIM_SECRET_KEY). Unset: a random key made once and kept (wrapped under
    # SENIM_CIPHER_KEY when set) in the database, so every web process and restart share it.
    secret_key: str | None = field(default=None, repr=False)
    cipher_key: str | None = field(default=None, repr=False)
    # Keys the hash that recognises a repeat caller's number (SENIM_PHONE_SALT); unset: a random salt
    # kept in the database. Changing it makes earlier numbers unrecognisable.
    phone_salt: str | None = field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Seconds a read with ?min_position=N may wait for a projection to catch up.
    read_your_writes_timeout: float = 5.0
    # Events per projection transaction while keeping up (a rebuild takes larger ones).
    projection_batch_size: int = 5000
    # victim_risk's escalation flag: this many contacts (incidents) of the case within this many
    # months before the assessment (SENIM_ESCALATION_INCIDENTS, SENIM_ESCALATION_MONTHS).
    escalation_incidents: int = 3
    escalation_months: int = 12
    # How long a referral may wait to be claimed, by urgency (SENIM_CLAIM_DEADLINES).
    claim_deadlines: Mapping = field(default_factory=lambda: CLAIM_DEADLINES)
    # The web UI signs a user out after this many minutes without activity (SENIM_IDLE_MINUTES).
    idle_minutes: int = 15
    # Session cookies only over HTTPS (SENIM_SECURE_COOKIES=true behind TLS in production; the
    # embedded default serves plain HTTP on 127.0.0.1, where a secure cookie would never be sent).
    secure_cookies: bool = False
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (SENIM_TRUSTED_PROXIES):
    # the access log records the client's address, not the proxy's. 0: none, headers are ignored.
    trusted_proxies: int = 0
    # How long after a case was closed, and after a non-data contact (silent, prank, wrong number…)
    # started, the retention job shreds their personal data (SENIM_RETENTION_CLOSED_CASES,
    # SENIM_RETENTION_NON_DATA_CONTACTS: 90d, 6m, 5y or off); None: the rule is off.
    retention_closed_cases: Period | None = RETENTION_DEFAULTS[CLOSED_CASES]
    retention_non_data_contacts: Period | None = RETENTION_DEFAULTS[NON_DATA_CONTACTS]
    # When follow-up checks of a closed case are due: months after the closure (SENIM_FOLLOW_UP_MONTHS, "3,6,12").
    follow_up_months: tuple[int, ...] = (3, 6, 12)
    # How many months after the agreement (then after each review) a case's review is due, per service
    # (SENIM_REVIEW_MONTHS: "6", or "helpline=6,family_service=3"; a service left out takes the default).
    review_months_default: int = 6
    review_months_by_service: Mapping = field(default_factory=lambda: MappingProxyType({}))
    # The organisation named on certificates of participation (SENIM_ORGANISATION).
    organisation: str = "Senim"
    testing: bool = False

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        secret_key = environ.get("SENIM_SECRET_KEY") or None
        settings = cls(
            database_url=environ.get("SENIM_DATABASE_URL") or DEFAULT_DATABASE_URL,
            redis_url=environ.get("SENIM_REDIS_URL") or None,
            cipher_key=environ.get("SENIM_CIPHER_KEY") or None,
            phone_salt=environ.get("SENIM_PHONE_SALT") or None,
            max_body_bytes=_positive_int(environ, "SENIM_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            projection_batch_size=_positive_int(environ, "SENIM_PROJECTION_BATCH_SIZE", 5000),
            escalation_incidents=_positive_int(environ, "SENIM_ESCALATION_INCIDENTS", 3),
            escalation_months=_positive_int(environ, "SENIM_ESCALATION_MONTHS", 12),
            claim_deadlines=parse_claim_deadlines(environ.get("SENIM_CLAIM_DEADLINES") or ""),
            idle_minutes=_positive_int(environ, "SENIM_IDLE_MINUTES", 15),
            secure_cookies=_flag(environ, "SENIM_SECURE_COOKIES"),
            trusted_proxies=_count(environ, "SENIM_TRUSTED_PROXIES"),
            retention_closed_cases=_retention(environ, "SENIM_RETENTION_CLOSED_CASES", CLOSED_CASES),
            retention_non_data_contacts=_retention(environ, "SENIM_RETENTION_NON_DATA_CONTACTS", NON_DATA_CONTACTS),
            follow_up_months=parse_months(environ, "SENIM_FOLLOW_UP_MONTHS", (3, 6, 12)),
            **parse_review_months(environ.get("SENIM_REVIEW_MONTHS") or ""),
            organisation=(environ.get("SENIM_ORGANISATION") or "Senim").strip()[:200] or "Senim",
            **({"secret_key": secret_key} if secret_key else {}),
        )
        settings.event_store_env()  # fail at start-up, not on the first request
        return settings

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this database URL and cipher key."""
        env = {"CREATE_TABLE": "y", **database_env(self.database_url)}
        if self.cipher_key:
            _check_cipher_key(self.cipher_key)
            env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
            env["CIPHER_KEY"] = self.cipher_key
        if self.phone_salt:
            env["SENIM_PHONE_SALT"] = self.phone_salt  # read by the store's keyring (intake/adapters/keyring.py)
        return env

    def review_months(self, service: str | None) -> int:
        """Months between a case's reviews in this service (SENIM_REVIEW_MONTHS)."""
        return self.review_months_by_service.get(service or "", self.review_months_default)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def _positive_int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive.")
    return value


def parse_months(environ, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A schedule in months after an event ("3,6,12"): whole positive numbers, each once, in order."""
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        months = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise ConfigError(f"{name} must be months separated by commas, such as 3,6,12, not {raw!r}.") from None
    if not months or months[0] <= 0 or months[-1] > 120:
        raise ConfigError(f"{name} must name months from 1 to 120, such as 3,6,12.")
    return tuple(months)


def _count(environ, name: str) -> int:
    raw = environ.get(name)
    return 0 if raw in (None, "", "0") else _positive_int(environ, name, 0)


def _flag(environ, name: str) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def _retention(environ, name: str, rule: str) -> Period | None:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return RETENTION_DEFAULTS[rule]
    try:
        return parse_period(raw)
    except Invalid as error:
        raise ConfigError(f"{name}: {error.errors['period'][0]}") from None


CLAIM_DEADLINE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "wd": "working days"}
_CLAIM_DEADLINE = re.compile(r"(\d+)\s*(wd|m|h|d)")


def parse_claim_deadlines(raw: str) -> Mapping:
    """SENIM_CLAIM_DEADLINES, e.g. "emergency=15m,urgent=4h,routine=3wd" (m minutes, h hours,
    d days, wd working days); an urgency left out keeps its default (domain.referral.CLAIM_DEADLINES)."""
    name = "SENIM_CLAIM_DEADLINES"
    parsed: dict = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        urgency, equals, amount = (text.strip() for text in item.partition("="))
        if not equals or not urgency:
            raise ConfigError(f"{name}: write urgency=amount+unit, e.g. emergency=15m, not {item!r}.")
        if urgency not in CLAIM_DEADLINES:
            raise ConfigError(f"{name}: unknown urgency {urgency!r}; the urgencies are "
                              f"{', '.join(CLAIM_DEADLINES)}.")
        if urgency in parsed:
            raise ConfigError(f"{name}: {urgency} is given twice.")
        match = _CLAIM_DEADLINE.fullmatch(amount)
        if not match:
            units = ", ".join(f"{unit} ({meaning})" for unit, meaning in CLAIM_DEADLINE_UNITS.items())
            raise ConfigError(f"{name}: {urgency}={amount!r} needs a whole number and a unit: {units}.")
        number, unit = int(match[1]), match[2]
        if number <= 0:
            raise ConfigError(f"{name}: the deadline of {urgency} must be positive.")
        parsed[urgency] = WorkingDays(number) if unit == "wd" else timedelta(**{CLAIM_DEADLINE_UNITS[unit]: number})
    return MappingProxyType({**CLAIM_DEADLINES, **parsed})


LONGEST_REVIEW_MONTHS = 24


def parse_review_months(raw: str) -> dict:
    """SENIM_REVIEW_MONTHS: "6" (every service), "helpline=6,family_service=3", or both ("6,helpline=3")."""
    name = "SENIM_REVIEW_MONTHS"
    default, by_service = 6, {}
    services = reference.codes("services")
    for item in filter(None, (part.strip() for part in raw.split(","))):
        service, equals, amount = (text.strip() for text in item.rpartition("=")) if "=" in item else ("", "", item)
        if equals and service not in services:
            raise ConfigError(f"{name}: unknown service {service!r}; the services are {', '.join(services)}.")
        if not amount.isdigit() or not 1 <= int(amount) <= LONGEST_REVIEW_MONTHS:
            raise ConfigError(f"{name}: {item!r} needs a whole number of months from 1 to {LONGEST_REVIEW_MONTHS}.")
        if equals:
            by_service[service] = int(amount)
        else:
            default = int(amount)
    return {"review_months_default": default, "review_months_by_service": MappingProxyType(by_service)}


def database_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path:
            raise ConfigError("SENIM_DATABASE_URL: write sqlite:///path/to/file.sqlite3")
        if path != ":memory:":
            private_sqlite_file(Path(path).expanduser())
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(Path(path).expanduser()),
                "SQLITE_LOCK_TIMEOUT": "30"}  # only other processes wait on it: this one queues (projections/db.py)
    if parts.scheme in ("postgresql", "postgres"):
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise ConfigError("SENIM_DATABASE_URL: name the database, e.g. postgresql://user@host:5432/senim")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_POOL_SIZE": "10",
            "POSTGRES_MAX_OVERFLOW": "20",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_PRE_PING": "y",
            # Several applications in one schema have mixed up tables with this on.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }
        query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
        for key, name in (("schema", "POSTGRES_SCHEMA"), ("pool_size", "POSTGRES_POOL_SIZE"),
                          ("max_overflow", "POSTGRES_MAX_OVERFLOW")):
            if key in query:
                env[name] = unquote(query[key])
        return env
    raise ConfigError(f"SENIM_DATABASE_URL must start with sqlite:/// or postgresql://, not {parts.scheme or url!r}.")


def private_sqlite_file(path: Path) -> None:
    """Creates the SQLite file empty (a valid database) and readable by its owner only, before
    SQLite opens it: SQLite gives its -wal, -shm and -journal files the database file's mode, so
    they are 0600 too whatever the umask. The folder, when made here, is its owner's only as well.
    An existing file keeps the mode its operator gave it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    os.chmod(path, 0o600)  # os.open's mode passes through the umask; this sets it whatever that is


def _check_cipher_key(key: str) -> None:
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError("SENIM_CIPHER_KEY must be base64 (make one: senim keys new).") from None
    if len(raw) not in (16, 24, 32):
        raise ConfigError("SENIM_CIPHER_KEY must decode to 16, 24 or 32 bytes.")
