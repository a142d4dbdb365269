"""PostgreSQL schemas reused from test to test within one test process (one per xdist worker).

Creating a schema with Senim's tables (the event store, the keyring, every projection) took most
of a PostgreSQL test's time. Instead, each schema is kept after its test and emptied: every row of
every table goes and every sequence starts again at 1, so the next test finds no event, key, row
or tracking position of an earlier one, and its first event is position 1 as on a new schema.

A test may change a schema's shape (drop a projection's tables and not rebuild them, alter a table,
add one of its own): such a schema is dropped rather than reused, so no test inherits another's
changes. The shape a schema should have is the one Senim gives a new schema on start, learnt
once per process from a schema made for the purpose (which then joins the pool).
"""
import uuid

import psycopg
from psycopg import sql

# Tables and sequences with their columns, indexes, constraints, triggers and functions: everything
# a test could change about a schema but its rows. The schema's own name is replaced by a marker,
# so two schemas of the same shape compare equal.
SHAPE = """
WITH here AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
SELECT 'relation', c.relname, c.relkind::text FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM here)
UNION ALL
SELECT 'column', c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = (SELECT oid FROM here)
UNION ALL
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = %(schema)s
UNION ALL
SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE connamespace = (SELECT oid FROM here)
UNION ALL
SELECT 'trigger', t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = (SELECT oid FROM here) AND NOT t.tgisinternal
UNION ALL
SELECT 'function', p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p
WHERE p.pronamespace = (SELECT oid FROM here)
ORDER BY 1, 2, 3
"""

# Every row of every table, foreign keys or not (replica mode skips their triggers for this session);
# every sequence back to its start. DELETE rather than TRUNCATE: the tables of a test hold few rows,
# and TRUNCATE makes new files for each of some fifty tables and their indexes.
EMPTY = """
DO $$
DECLARE each record;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR each IN SELECT tablename FROM pg_tables WHERE schemaname = {schema} LOOP
        EXECUTE format('DELETE FROM %I.%I', {schema}, each.tablename);
    END LOOP;
    FOR each IN SELECT sequencename FROM pg_sequences WHERE schemaname = {schema} LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I RESTART', {schema}, each.sequencename);
    END LOOP;
END $$"""


class SchemaPool:
    def __init__(self, postgres_database: str):
        self.postgres_database = postgres_database
        self.prefix = "t_" + uuid.uuid4().hex[:8]  # this process's schemas, apart from other runs'
        self.made = 0
        self.free: list[str] = []
        self.everyone: set[str] = set()
        self.pristine: tuple | None = None
        self._conn: psycopg.Connection | None = None

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.postgres_database, autocommit=True)
            # A connection a test left open with a lock must not hang the run: that schema is given up.
            self._conn.execute("SET lock_timeout = '10s'")
        return self._conn

    def take(self) -> str:
        if self.pristine is None:
            self._learn_the_pristine_shape()
        if self.free:
            return self.free.pop()
        return self._create()

    def give_back(self, schema: str) -> None:
        try:
            shape = self.shape(schema)
            if shape == self.pristine:
                self.conn.execute(sql.SQL(EMPTY).format(schema=sql.Literal(schema)))
            elif shape:  # changed by the test (an empty schema is taken as it is)
                self._drop(schema)
                return
        except psycopg.Error:
            # Rows still locked by a connection the test left open: give this schema up (dropped at
            # the end of the run, if it can be then).
            self._conn = None
            return
        self.free.append(schema)

    def shape(self, schema: str) -> tuple:
        rows = self.conn.execute(SHAPE, {"schema": schema}).fetchall()
        return tuple(tuple(str(cell).replace(schema, "<schema>") for cell in row) for row in rows)

    def drop_all(self) -> None:
        for schema in sorted(self.everyone):
            try:
                self._drop(schema)
            except psycopg.Error:
                self._conn = None
        if self._conn is not None:
            self._conn.close()

    def _create(self) -> str:
        self.made += 1
        schema = f"{self.prefix}_{self.made}"
        self.conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        self.everyone.add(schema)
        return schema

    def _drop(self, schema: str) -> None:
        self.conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        self.everyone.discard(schema)

    def _learn_the_pristine_shape(self) -> None:
        from intake.bootstrap import bootstrap
        from intake.config import Settings
        from tests.conftest import schema_url

        schema = self._create()
        bootstrap(Settings(database_url=schema_url(self.postgres_database, schema), testing=True)).close()
        self.pristine = self.shape(schema)
        self.conn.execute(sql.SQL(EMPTY).format(schema=sql.Literal(schema)))
        self.free.append(schema)
