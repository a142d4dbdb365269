"""The events table as it lies in the database, read and edited past the library: what an intruder could do."""
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from domain.actor import Actor

SENIM = Path(sys.executable).with_name("senim")
COMMAND = [str(SENIM)] if SENIM.exists() else [sys.executable, "-m", "intake.cli"]
ADMIN = Actor.system("tests")


class RawStore:
    """The events table and the hash chain of one test database, through sqlite3 or psycopg."""

    def __init__(self, database_url: str):
        self.url = database_url
        self.sqlite = database_url.startswith("sqlite:")
        if self.sqlite:
            self.events, self.position, self.prefix = "stored_events", "rowid", ""
        else:
            schema = parse_qs(urlsplit(database_url).query)["schema"][0]
            self.events, self.position, self.prefix = f"{schema}.senim_events", "notification_id", f"{schema}."

    @contextmanager
    def connect(self):
        if self.sqlite:
            connection = sqlite3.connect(self.url[len("sqlite:///"):])
            try:
                with connection:
                    yield connection
            finally:
                connection.close()
        else:
            with psycopg.connect(urlsplit(self.url)._replace(query="").geturl()) as connection:
                yield connection

    def _sql(self, statement: str) -> str:
        return statement.replace("%s", "?") if self.sqlite else statement

    def execute(self, statement: str, params=()) -> list[tuple]:
        with self.connect() as connection:
            cursor = connection.execute(self._sql(statement), params)
            return cursor.fetchall() if cursor.description else []

    def rows(self) -> dict[int, tuple]:
        """position -> (originator id as text with dashes, version, topic, state bytes)."""
        found = self.execute(f"SELECT {self.position}, originator_id, originator_version, topic, state "
                             f"FROM {self.events} ORDER BY {self.position}")
        return {row[0]: (str(uuid.UUID(str(row[1]))), row[2], row[3], bytes(row[4])) for row in found}

    def set_state(self, position: int, state: bytes) -> None:
        self.execute(f"UPDATE {self.events} SET state = %s WHERE {self.position} = %s", (state, position))

    def tamper(self, position: int) -> None:
        """Changes one byte in the middle of the stored state of the event at `position`."""
        state = bytearray(self.rows()[position][3])
        state[len(state) // 2] ^= 0x01
        self.set_state(position, bytes(state))

    def rewrite(self, position: int, change, cipher_key: str | None = None) -> None:
        """Edits the content of an event as an intruder holding the key would: decrypt, change, encrypt."""
        cipher = AESCipher(Environment(env={"CIPHER_KEY": cipher_key})) if cipher_key else None
        state = self.rows()[position][3]
        plain = cipher.decrypt(state) if cipher else state
        changed = change(plain)
        assert changed != plain
        self.set_state(position, cipher.encrypt(changed) if cipher else changed)

    def plaintext(self, position: int, cipher_key: str | None = None) -> bytes:
        state = self.rows()[position][3]
        return AESCipher(Environment(env={"CIPHER_KEY": cipher_key})).decrypt(state) if cipher_key else state

    def delete(self, position: int) -> None:
        self.execute(f"DELETE FROM {self.events} WHERE {self.position} = %s", (position,))

    def insert_copy(self, of_position: int, at_position: int) -> str:
        """A new row at a chosen position holding a copy of another event's state, as a new aggregate."""
        _, _, topic, state = self.rows()[of_position]
        new_id = uuid.uuid4()
        originator = new_id.hex if self.sqlite else new_id
        self.execute(f"INSERT INTO {self.events} ({self.position}, originator_id, originator_version, topic, state) "
                     "VALUES (%s, %s, 1, %s, %s)", (at_position, originator, topic, state))
        return str(new_id)

    def links(self) -> dict[int, str]:
        return dict(self.execute(f"SELECT position, link FROM {self.prefix}hash_chain ORDER BY position"))

    def set_link(self, position: int, link: str) -> None:
        self.execute(f"UPDATE {self.prefix}hash_chain SET link = %s WHERE position = %s", (link, position))

    def delete_link(self, position: int) -> None:
        self.execute(f"DELETE FROM {self.prefix}hash_chain WHERE position = %s", (position,))


def record_users(senim, count: int, prefix: str = "staff") -> None:
    """A few events of several aggregates: users, each with a token."""
    for number in range(count):
        user = senim.staff.add_user(username=f"{prefix}{number}", role="consultant", password="correct horse 1",
                                    actor=ADMIN)
        senim.staff.issue_token(user.id, actor=ADMIN)


def clean_env(**senim_vars) -> dict:
    """The caller's environment without any SENIM_ setting, so only what the test sets applies."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENIM_")}
    return {**env, **senim_vars}


def run_senim(tmp_path, database_url: str, *args: str, stdin: str = "", cipher_key: str | None = None
              ) -> subprocess.CompletedProcess:
    """The real `senim` command in its own process, with only the settings given here."""
    senim_vars = {"SENIM_DATABASE_URL": database_url}
    if cipher_key:
        senim_vars["SENIM_CIPHER_KEY"] = cipher_key
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True, text=True, cwd=tmp_path,
                          env=clean_env(**senim_vars), timeout=120)
