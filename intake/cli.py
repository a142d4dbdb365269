"""The `senim` command: serve the app, manage users and tokens, run workers."""
import getpass
import os
import sys

import click
from dotenv import load_dotenv

from domain.actor import STAFF_ROLES, Actor
from domain.errors import DomainError
from intake.config import ConfigError, Settings


def _cli_actor() -> Actor:
    """Commands typed on the server are signed by the operating-system user who typed them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor.system(f"cli:{name}")


def _senim():
    from intake.bootstrap import bootstrap
    try:
        return bootstrap(Settings.from_env())
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _fail_cleanly(action):
    try:
        return action()
    except DomainError as error:
        raise click.ClickException(error.detail) from None


def _how_to_call_me() -> str:
    """`senim` when it is on the PATH, else the path it was started by (e.g. .venv/bin/senim)."""
    import shutil

    started = os.path.realpath(sys.argv[0])
    on_path = shutil.which("senim")
    if on_path and os.path.realpath(on_path) == started:
        return "senim"
    if os.path.basename(started) != "senim":
        return "senim"
    relative = os.path.relpath(started)
    return started if relative.startswith("..") else relative


@click.group()
def main():
    """Senim: intake for a 24/7 trust line and a domestic-violence crisis centre."""
    load_dotenv(os.path.join(os.getcwd(), ".env"))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int):
    """Run the web app (UI and API) on the embedded default or the configured stores."""
    from intake import create_app
    from intake.serving import serve as serve_with_waitress

    senim = _senim()
    app = create_app(senim.settings, senim=senim)
    where = "SQLite " + senim.settings.database_url[len("sqlite:///"):] if senim.settings.is_sqlite else "PostgreSQL"
    click.echo(f"Senim is running at http://{host}:{port}/  (event store: {where})")
    if not senim.staff.list_users():
        command = _how_to_call_me()
        click.echo("No users yet. Create the first one in another terminal:\n"
                   f"  {command} users add admin --role admin\n"
                   f"  {command} tokens issue admin")
    serve_with_waitress(app, host=host, port=port, threads=threads, ident="senim")


@main.group()
def users():
    """Staff accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(username: str, role: str, password_stdin: bool):
    """Create a user; the password is read from stdin or prompted for."""
    from intake.services.staff import MIN_PASSWORD_LENGTH

    click.echo(f"The password needs at least {MIN_PASSWORD_LENGTH} characters; a few unrelated words are easier "
               "to remember and harder to guess.", err=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    senim = _senim()
    written = _fail_cleanly(lambda: senim.staff.add_user(
        username=username, role=role, password=password, actor=_cli_actor()))
    click.echo(f"Created {username.strip().lower()} ({role}), id {written.id}", err=True)


def _change_user(username: str, command: str, done: str, **arguments) -> None:
    """One staff command on the account of a username, then what it did, said on stderr."""
    staff = _senim().staff
    _fail_cleanly(lambda: getattr(staff, command)(staff.get_by_username(username).id, actor=_cli_actor(),
                                                  **arguments))
    click.echo(f"{username} {done}", err=True)


@users.command("list")
def users_list():
    """Every account with its role and state."""
    for user in sorted(_senim().staff.list_users(), key=lambda u: u.username):
        click.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.id}")


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(STAFF_ROLES))
def users_role(username: str, role: str):
    """Change a user's role."""
    _change_user(username, "change_role", f"is now {role}", role=role)


@users.command("disable")
@click.argument("username")
@click.option("--reason", required=True)
def users_disable(username: str, reason: str):
    """Disable a user; their tokens stop working at once."""
    _change_user(username, "disable", "is disabled", reason=reason)


@users.command("enable")
@click.argument("username")
def users_enable(username: str):
    """Enable a disabled user again."""
    _change_user(username, "enable", "is active")


@users.command("name")
@click.argument("username")
@click.option("--kk", help="The name in Kazakh spelling, e.g. \"Әйгерім Серікқызы\".")
@click.option("--ru", help="The name in Russian spelling, e.g. \"Айгерим Серикқызы\".")
def users_name(username: str, kk: str | None, ru: str | None):
    """Set the name the pages show for USERNAME (Kazakh and Russian spelling); the login stays for signing in.
    A spelling left out is kept; an empty one ("") removes it."""
    staff = _senim().staff
    user = _fail_cleanly(lambda: staff.get_by_username(username))
    names = {**user.display_names, **{code: value for code, value in (("kk", kk), ("ru", ru)) if value is not None}}
    _fail_cleanly(lambda: staff.set_display_names(user.id, names=names, actor=_cli_actor()))
    shown = staff.get(user.id).display_names
    click.echo(f"{username} is shown as: " + (", ".join(f"{code}: {name}" for code, name in sorted(shown.items()))
                                             or "their login"), err=True)


# A day's hours on the command line: "09:00-13:00,14:00-18:00", or "off".
DAY_OPTIONS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day_hours(text: str) -> list[list[str]]:
    if text.strip().lower() in ("off", "-", ""):
        return []
    shifts = []
    for part in text.split(","):
        start, dash, end = part.strip().partition("-")
        if not dash:
            raise click.BadParameter(f"{part.strip()!r}: give hours as 09:00-13:00, several joined by commas, or off.")
        shifts.append([start.strip(), end.strip()])
    return shifts


@users.command("hours")
@click.argument("username")
@click.option("--weekdays", "weekdays", metavar="HOURS", help="Monday to Friday, e.g. 09:00-13:00,14:00-18:00.")
@click.option("--mon", metavar="HOURS")
@click.option("--tue", metavar="HOURS")
@click.option("--wed", metavar="HOURS")
@click.option("--thu", metavar="HOURS")
@click.option("--fri", metavar="HOURS")
@click.option("--sat", metavar="HOURS")
@click.option("--sun", metavar="HOURS")
def users_hours(username: str, weekdays: str | None, **days: str | None):
    """Set USERNAME's weekly working hours (local time, Astana), or print them when no day is given.
    Each day is HOURS like 09:00-13:00,14:00-18:00 or "off"; a day not given is a day off; --weekdays
    sets Monday to Friday at once (a day given on its own wins)."""
    from domain.schedule import WEEKDAYS, WeeklySchedule

    staff = _senim().staff
    user = _fail_cleanly(lambda: staff.get_by_username(username))
    if weekdays is None and all(value is None for value in days.values()):
        _print_hours(username, user.schedule)
        return
    hours = {}
    for index, (option, day) in enumerate(zip(DAY_OPTIONS, WEEKDAYS)):
        given = days.get(option)
        if given is None and weekdays is not None and index < 5:
            given = weekdays
        if given is not None:
            hours[day] = _day_hours(given)
    schedule = _fail_cleanly(lambda: WeeklySchedule.of({day: shifts for day, shifts in hours.items() if shifts}))
    _fail_cleanly(lambda: staff.set_working_hours(user.id, schedule=schedule, actor=_cli_actor()))
    _print_hours(username, schedule)


def _print_hours(username: str, schedule) -> None:
    from domain.schedule import WEEKDAYS

    if schedule is None:
        click.echo(f"{username} has no working hours on record")
        return
    for day, shifts in zip(WEEKDAYS, schedule.days):
        click.echo(f"{day}\t" + (", ".join(f"{shift.start:%H:%M}-{shift.end:%H:%M}" for shift in shifts) or "off"))


@users.command("unlock")
@click.argument("username")
def users_unlock(username: str):
    """Lift a lock-out after repeated wrong passwords, e.g. when no admin can sign in."""
    _change_user(username, "unlock", "may sign in again")


@main.group()
def tokens():
    """API tokens."""


@tokens.command("issue")
@click.argument("username")
def tokens_issue(username: str):
    """Print one new bearer token for USERNAME on stdout, nothing else."""
    staff = _senim().staff
    token, _ = _fail_cleanly(lambda: staff.issue_token(staff.get_by_username(username).id, actor=_cli_actor()))
    click.echo(token)


@tokens.command("revoke")
@click.argument("token")
def tokens_revoke(token: str):
    """Revoke one token at once, everywhere. TOKEN is its id (the 32 hex digits after snm_) or the whole token."""
    from uuid import UUID

    from intake.services.staff import TOKEN_PREFIX

    parts = token.strip().split("_")
    try:
        token_id = UUID(hex=parts[1] if len(parts) >= 2 and parts[0] == TOKEN_PREFIX else parts[0])
    except ValueError:
        raise click.ClickException("Give the token's id (the 32 hex digits after snm_) or the whole token.") from None
    staff = _senim().staff
    user = _fail_cleanly(lambda: staff.get(staff.revoke_token(token_id, actor=_cli_actor()).id))
    click.echo(f"the token {token_id.hex} of {user.username} no longer works", err=True)


@main.command()
@click.option("--sweep-seconds", default=5.0, show_default=True, help="How often to look for lagging projections.")
def worker(sweep_seconds: float):
    """Run an RQ worker that builds projections (needs SENIM_REDIS_URL)."""
    from workers.main import run_worker

    senim = _senim()
    if not senim.settings.redis_url:
        raise click.ClickException("Set SENIM_REDIS_URL (e.g. redis://127.0.0.1:6379/0): without Redis, "
                                   "`senim serve` builds projections in-process and needs no worker.")
    run_worker(senim, sweep_seconds=sweep_seconds)


@main.group()
def projections():
    """Read models built from the event store."""


@projections.command("status")
def projections_status():
    """Position, head and lag of every projection."""
    click.echo("projection\tposition\thead\tlag\tlast error")
    for row in _senim().projections.status():
        click.echo(f"{row['name']}\t{row['position']}\t{row['head']}\t{row['lag']}\t{row.get('last_error') or '-'}")
    failed = _failed_jobs()
    if failed:
        click.echo(f"failed jobs in RQ's registry: {failed}")


def _failed_jobs() -> int:
    settings = Settings.from_env()
    if not settings.redis_url:
        return 0
    from rq import Queue

    from intake.adapters.rq_trigger import QUEUE_NAME, connect
    try:
        return Queue(QUEUE_NAME, connection=connect(settings.redis_url)).failed_job_registry.count
    except Exception as error:  # noqa: BLE001 - status must still print when Redis is down
        # On stdout with the table: intake goes on (the event store takes contacts), the
        # projections wait for Redis and the workers' sweep catches them up once it is back.
        click.echo(f"Redis: not answering ({type(error).__name__}); contacts are still accepted, "
                   "projections catch up once it is back")
        return 0


@projections.command("rebuild")
@click.argument("name", required=False)
def projections_rebuild(name: str | None):
    """Drop and rebuild one projection (or all, together in one pass over the log) from the event store."""
    senim = _senim()
    read = _fail_cleanly(lambda: senim.projections.rebuild(name))
    for each, count in read.items():
        click.echo(f"{each}: rebuilt from {count} events")


@main.group()
def keys():
    """Encryption keys."""


@keys.command("new")
def keys_new():
    """Print a new random AES-256 key for SENIM_CIPHER_KEY (keep it out of the repository)."""
    import base64
    import secrets
    click.echo(base64.b64encode(secrets.token_bytes(32)).decode())


@keys.command("rotate")
@click.option("--new-key-stdin", is_flag=True, help="Read the new key (base64) from standard input.")
@click.option("--generate", is_flag=True, help="Make a new random key and print it once on stdout.")
def keys_rotate(new_key_stdin: bool, generate: bool):
    """Re-encrypt every stored event from SENIM_CIPHER_KEY (or none) to a new key, in one transaction.

    Stop the app and the workers first; start them again with the new key once this has succeeded.
    """
    import base64
    import secrets

    from intake.services.key_rotation import RotationRefused, Target, rotate

    if new_key_stdin == generate:
        raise click.UsageError("Give one of --new-key-stdin or --generate.")
    if generate:
        new_key = base64.b64encode(secrets.token_bytes(32)).decode()
    elif sys.stdin.isatty():
        new_key = click.prompt("New key", hide_input=True, confirmation_prompt=True).strip()
    else:
        new_key = sys.stdin.readline().strip()
    shown = []

    def show_generated_key():  # inside the transaction: the key is out before any row depends on it
        if generate:
            click.echo("The new key (shown once; put it in the secret store as SENIM_CIPHER_KEY):", err=True)
            click.echo(new_key)
            sys.stdout.flush()
            shown.append(True)

    try:
        target = Target(Settings.from_env())
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        done = rotate(target, new_key, before_commit=show_generated_key)
    except RotationRefused as error:
        raise click.ClickException(str(error)) from None
    except BaseException:
        if shown:
            click.echo("The rotation failed: nothing was changed and the key printed above is not in use.", err=True)
        raise
    finally:
        target.close()
    snapshots = f" and {done.snapshots} snapshots" if done.snapshots else ""
    click.echo(f"Re-encrypted {done.events} events{snapshots} under the new key. Set SENIM_CIPHER_KEY to it, "
               "then start the app and the workers.", err=True)


@main.group()
def retention():
    """Shredding personal data after the retention periods (SENIM_RETENTION_*)."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Count what is due; erase nothing.")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(min=1),
              help="Subjects erased at most in this run; run again for the rest.")
def retention_run(dry_run: bool, limit: int):
    """Run the retention job now (the workers run it hourly); prints counts by rule, nothing personal."""
    senim = _senim()
    try:
        run = senim.retention.run(limit=limit, dry_run=dry_run)
    finally:
        senim.close()
    click.echo("rule\tperiod\tdue\terased\tskipped\tfailed")
    for rule, period in run.rules.items():
        if period is None:
            click.echo(f"{rule}\toff\t-\t-\t-\t-")
            continue
        click.echo(f"{rule}\t{period.code}\t{run.due.get(rule, 0)}\t{run.erased.get(rule, 0)}\t"
                   f"{run.skipped.get(rule, 0)}\t{run.failed.get(rule, 0)}")
    if dry_run:
        click.echo("Dry run: nothing was erased.", err=True)
    elif run.total("due") > run.total("erased") + run.total("skipped") + run.total("failed"):
        click.echo(f"More are due than one run erases (--limit {limit}); the hourly job or another run "
                   "takes the rest.", err=True)
    if run.total("failed"):
        raise click.ClickException(f"{run.total('failed')} erasures failed; see the log.")


@main.group()
def audit():
    """Tamper evidence of the event log."""


@audit.command("verify")
@click.option("--anchor", help="A head hash noted earlier: fails unless it is still a link of the chain.")
@click.pass_context
def audit_verify(ctx, anchor: str | None):
    """Bring the hash chain up to date, recompute every link; exit 1 naming the first broken one."""
    from intake.services.audit_chain import Audit, verify

    try:
        audited = Audit(Settings.from_env())
        try:
            verdict = verify(audited, anchor=anchor)
        finally:
            audited.close()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if verdict.broken:
        click.echo(f"BROKEN at {verdict.broken}")
        click.echo(f"{verdict.verified} links verified before it.")
        ctx.exit(1)
    if verdict.anchor_found is False:
        click.echo(f"ANCHOR NOT FOUND: {anchor} is not a link of the chain ({verdict.verified} links verified): "
                   "the chain was rewritten, or the anchor belongs to another store.")
        ctx.exit(1)
    click.echo(f"OK: {verdict.verified} links verified; head {verdict.head or '-'} at position {verdict.head_position}")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str):
    """Write a consistent copy of the store to PATH (and PATH.manifest.json), while the app runs.

    SQLite: the whole store but the read models; PostgreSQL: pg_dump of the store's schema (the
    PostgreSQL client must be on the PATH). Keep the keys apart from it (see the README).
    """
    from pathlib import Path

    from intake.services.backup import BackupError, backup

    try:
        manifest = backup(Settings.from_env(), Path(path), say=lambda line: click.echo(line, err=True))
    except (BackupError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    encrypted = "encrypted (SENIM_CIPHER_KEY)" if manifest.encrypted else "NOT encrypted: SENIM_CIPHER_KEY is unset"
    click.echo(f"Backed up {manifest.store} store up to position {manifest.head_position} to {path} "
               f"({manifest.size} bytes, {encrypted}).")
    click.echo(f"Chain head {manifest.chain_head or '-'}: note it apart from the backup to check it on restore "
               "(senim restore --anchor).")


@main.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--anchor", help="A chain head noted apart from the backup: restore fails unless the backup holds it.")
def restore_command(path: str, anchor: str | None):
    """Restore the backup at PATH into the store SENIM_DATABASE_URL names, which must be new or empty.

    Stop every Senim process first. Checks the manifest's checksum and the hash chain, destroys again
    the keys of every subject erased before the backup, and rebuilds the read models.
    """
    from pathlib import Path

    from intake.services.backup import BackupError, restore

    try:
        done = restore(Settings.from_env(), Path(path), anchor=anchor, say=lambda line: click.echo(line, err=True))
    except (BackupError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {done.head_position} events; hash chain verified ({done.links_verified} links, head "
               f"{done.chain_head or '-'}); {done.erasures_reapplied} erasures applied again; "
               f"{len(done.rebuilt)} read models rebuilt.")


if __name__ == "__main__":
    main()
