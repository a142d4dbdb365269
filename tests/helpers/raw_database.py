"""Everything the test database holds, read past the application: every table by plain SQL, and on
SQLite the bytes of the database files themselves (main file, WAL, shared memory)."""
import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

# Tables of the event store and the keyring: the rest are read models (projections).
STORE_TABLES = {"stored_events", "senim_events", "senim_tracking", "person_keys", "erased_subjects",
                "keyring_secrets", "projection_tracking"}


def _cell(value) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


class RawDatabase:
    def __init__(self, database_url: str):
        self.url = database_url
        self.sqlite = database_url.startswith("sqlite:")
        self.path = Path(database_url[len("sqlite:///"):]) if self.sqlite else None
        self.schema = None if self.sqlite else parse_qs(urlsplit(database_url).query)["schema"][0]

    def query(self, statement: str, params=()) -> list[tuple]:
        if self.sqlite:
            connection = sqlite3.connect(self.path)
            try:
                return connection.execute(statement.replace("%s", "?"), params).fetchall()
            finally:
                connection.close()
        with psycopg.connect(urlsplit(self.url)._replace(query="").geturl(),
                             options=f"-c search_path={self.schema}") as connection:
            return connection.execute(statement, params).fetchall()

    def tables(self) -> list[str]:
        if self.sqlite:
            return [row[0] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [row[0] for row in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (self.schema,))]

    def projection_tables(self) -> list[str]:
        return [table for table in self.tables() if table not in STORE_TABLES]

    def rows(self, tables: list[str] | None = None) -> dict[str, list[bytes]]:
        """Each table's rows, each row as the bytes of its cells joined."""
        return {table: [b"|".join(_cell(value) for value in row) for row in self.query(f"SELECT * FROM {table}")]
                for table in (self.tables() if tables is None else tables)}

    def file_bytes(self) -> bytes:
        """SQLite only: the database file and its companions, as they lie on disk."""
        return b"".join(path.read_bytes() for path in sorted(self.path.parent.glob(self.path.name + "*")))


def needles(text: str) -> tuple[bytes, ...]:
    """The text as UTF-8 and as JSON-escaped ASCII."""
    return tuple({text.encode(), json.dumps(text)[1:-1].encode()})


def tables_holding(database: RawDatabase, text: str, tables: list[str] | None = None) -> list[str]:
    found = needles(text)
    return [table for table, rows in database.rows(tables).items()
            if any(needle in row for row in rows for needle in found)]


def holds_bytes(database: RawDatabase, data: bytes) -> list[str]:
    """Where the exact bytes lie: table names (any store), plus "file" on SQLite."""
    places = [table for table, rows in database.rows().items() if any(data in row for row in rows)]
    if database.sqlite and data in database.file_bytes():
        places.append("file")
    return places
