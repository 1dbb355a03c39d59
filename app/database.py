"""SQLite tuning, so that several gunicorn workers can share one database file.

- WAL: readers never wait for the writer.
- foreign_keys=ON: SQLite ignores REFERENCES otherwise.
- busy_timeout: a writer waits for the lock instead of failing at once.
- Write transactions start with BEGIN IMMEDIATE, taken just before the first
  INSERT/UPDATE/DELETE. A plain (deferred) transaction that read first and then
  writes cannot wait for the lock: SQLite answers "database is locked" at once
  when another worker committed in between. Reads before the first write run in
  autocommit, which is the read-committed behaviour PostgreSQL gives by default.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


def configure_sqlite(engine: Engine) -> None:
    """Install the pragmas and the immediate write transactions on a SQLite engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let us decide when transactions begin (pysqlite's own guess is wrong for us).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(_connection):
        # Nothing yet: the transaction starts at the first write (see below).
        pass

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, _params, _context, _many):
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction and statement.lstrip()[:9].upper().startswith(_WRITES):
            raw.execute("BEGIN IMMEDIATE")
