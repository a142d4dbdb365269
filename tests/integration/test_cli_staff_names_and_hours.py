"""`senim users name`, `senim users hours` and the password rule on the command line (issue 15, items
12 and 13), run as a user would: a subprocess against a SQLite file."""
import subprocess

import pytest

from intake.bootstrap import bootstrap
from intake.config import Settings
from tests.helpers.workers import COMMAND, clean_env

PASSWORD = "Tuzdy-kol-1998"


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


@pytest.fixture
def senim_cli(tmp_path, database_url):
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True, text=True, cwd=tmp_path,
                              env=clean_env(SENIM_DATABASE_URL=database_url), timeout=60)
    return run


def user_of(database_url: str, username: str):
    senim = bootstrap(Settings(database_url=database_url, testing=True))
    try:
        return senim.staff.get_by_username(username)
    finally:
        senim.close()


def test_adding_a_user_states_the_password_rule_first(senim_cli):
    done = senim_cli("users", "add", "aigerim", "--role", "consultant", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.index("at least 8 characters") < done.stderr.index("Created aigerim")
    short = senim_cli("users", "add", "dana", "--role", "consultant", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr


def test_users_name_sets_the_kazakh_and_russian_spelling_and_keeps_the_one_left_out(senim_cli, database_url):
    assert senim_cli("users", "add", "aigerim", "--role", "consultant", "--password-stdin",
                     stdin=PASSWORD + "\n").returncode == 0
    done = senim_cli("users", "name", "aigerim", "--kk", "Әйгерім Серікқызы", "--ru", "Айгерим Серикқызы")
    assert done.returncode == 0, done.stderr
    assert "Айгерим Серикқызы" in done.stderr
    assert senim_cli("users", "name", "aigerim", "--ru", "Айгерим С.").returncode == 0
    user = user_of(database_url, "aigerim")
    assert user.display_names == {"kk": "Әйгерім Серікқызы", "ru": "Айгерим С."}
    assert senim_cli("users", "name", "nobody", "--ru", "X").returncode != 0


def test_users_hours_sets_and_prints_the_weekly_hours(senim_cli, database_url):
    assert senim_cli("users", "add", "gulnara", "--role", "psychologist", "--password-stdin",
                     stdin=PASSWORD + "\n").returncode == 0
    assert "no working hours" in senim_cli("users", "hours", "gulnara").stdout
    done = senim_cli("users", "hours", "gulnara", "--weekdays", "09:00-13:00,14:00-18:00", "--fri", "10:00-16:00")
    assert done.returncode == 0, done.stderr
    assert "monday\t09:00-13:00, 14:00-18:00" in done.stdout and "friday\t10:00-16:00" in done.stdout
    assert "saturday\toff" in done.stdout
    schedule = user_of(database_url, "gulnara").schedule
    assert [str(shift) for shift in schedule.days[4]] == ["10:00–16:00"]
    bad = senim_cli("users", "hours", "gulnara", "--mon", "18:00-09:00")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert senim_cli("users", "hours", "gulnara", "--mon", "nine to five").returncode != 0
