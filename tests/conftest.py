"""Fixtures: a fresh instance folder and database per test, on SQLite or PostgreSQL.

SQLite: the migrated database is built once per session and copied for each test.
PostgreSQL (TEST_DATABASE_URL set): migrated once, every table emptied after each test.
"""

import importlib.util
import os
import shutil
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, insert, text

from app import create_app
from app.config import ROOT
from app.discussions.models import Category
from app.extensions import db
from app.library.models import TaxonomyTerm
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _migration(prefix: str):
    path = next((ROOT / "migrations" / "versions").glob(f"{prefix}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{prefix}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def seeded_terms() -> list[dict]:
    """The vocabularies exactly as migration 0002 seeds them."""
    return [{"kind": kind, "slug": slug, "label": label, "position": n}
            for kind, values in _migration("0002").TERMS.items()
            for n, (slug, label) in enumerate(values)]


@cache
def seeded_categories() -> list[dict]:
    """The discussion categories exactly as migration 0007 seeds them."""
    from app.accounts.models import utcnow

    return [{"slug": slug, "name": name, "description": description, "position": n,
             "archived": False, "created_at": utcnow()}
            for n, (slug, name, description) in enumerate(_migration("0007").CATEGORIES)]


def make_app(instance: Path, database_url: str, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "OUTBOX_DIR": str(instance / "outbox"),
        "UPLOADS_DIR": str(instance / "uploads"),
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The URL of a database at the latest migration (a template file on SQLite)."""
    if TEST_DATABASE_URL:
        app = make_app(tmp_path_factory.mktemp("pg"), TEST_DATABASE_URL)
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            upgrade()
            db.engine.dispose()
        return TEST_DATABASE_URL
    folder = tmp_path_factory.mktemp("template")
    app = make_app(folder, f"sqlite:///{folder / 'template.db'}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return str(folder / "template.db")


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        return
    target = tmp_path / "compagnon.db"
    shutil.copy(migrated_database, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def app(tmp_path, database_url):
    app = make_app(tmp_path / "instance", database_url)
    yield app
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL:
            tables = ", ".join(
                f'"{t.name}"' for t in db.metadata.sorted_tables
            )
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                # Seed data of the migrations comes back, as on a fresh database.
                connection.execute(insert(TaxonomyTerm.__table__), seeded_terms())
                connection.execute(insert(Category.__table__), seeded_categories())
        db.engine.dispose()


@pytest.fixture
def second_app(tmp_path, database_url):
    """Another app instance on the same database, like a second gunicorn worker."""
    made = []

    def make(**overrides):
        made.append(make_app(tmp_path / f"second{len(made)}", database_url, **overrides))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context, for tests that use models and services directly."""
    with app.app_context():
        yield


class Auth:
    """Log a test client in, as a real person would or (faster) by session."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = factories.PASSWORD, remember: bool = False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/compte/connexion", data=data)

    def as_user(self, user):
        """Put the user in the session without a password check (authorisation tests)."""
        self.as_session(user.get_id())

    def as_session(self, user_key: str):
        with self.client.session_transaction() as session:
            session["_user_id"] = user_key
            session["_fresh"] = True

    def logout(self):
        return self.client.post("/compte/deconnexion")


@pytest.fixture
def auth(client):
    return Auth(client)


@contextmanager
def counting_queries(app):
    """Count the SQL statements run inside the block: `with counting_queries(app) as q:`."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def outbox(app) -> list[str]:
    """The e-mails written to the instance outbox, oldest first, as text."""
    import email
    from email import policy

    folder = Path(app.config["OUTBOX_DIR"])
    if not folder.exists():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        messages.append(f"To: {message['To']}\nSubject: {message['Subject']}\n\n{body}")
    return messages


# --- A world built once per module, copied for each test ---------------------------------


class Snapshot:
    """A database and an instance folder built once, that each test starts a copy of.

    SQLite: the database file and the instance folder are copied. PostgreSQL: the
    database is created from the built one as a template (CREATE DATABASE … TEMPLATE),
    the instance folder copied. Tests that share a costly world (the authorisation
    matrix builds one for each of its ~500 cases) take milliseconds instead of seconds.
    """

    def __init__(self, folder: Path, url: str, data):
        self.folder, self.url, self.data = folder, url, data

    @contextmanager
    def copy(self, tmp_path: Path):
        instance = tmp_path / "instance"
        shutil.copytree(self.folder / "instance", instance)
        if TEST_DATABASE_URL:
            name = f"compagnon_case_{os.getpid()}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}"',
                      f'CREATE DATABASE "{name}" TEMPLATE "{_pg_name(self.url)}"')
            url = _pg_url(name)
        else:
            shutil.copy(self.folder / "world.db", tmp_path / "world.db")
            url = f"sqlite:///{tmp_path / 'world.db'}"
        app = make_app(instance, url)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if TEST_DATABASE_URL:
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def _pg_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database


def _pg_admin(*statements: str) -> None:
    """Statements that cannot run in a transaction (CREATE/DROP DATABASE), on `postgres`."""
    from sqlalchemy import create_engine

    engine = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def build_snapshot(folder: Path, migrated_database: str, builder) -> Snapshot:
    """Run builder(app) once on a fresh migrated database; returns what copies start from."""
    instance = folder / "instance"
    if TEST_DATABASE_URL:
        name = f"compagnon_world_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
        app = make_app(instance, url)
        with app.app_context():
            upgrade()
    else:
        shutil.copy(migrated_database, folder / "world.db")
        url = f"sqlite:///{folder / 'world.db'}"
        app = make_app(instance, url)
    data = builder(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return Snapshot(folder, url, data)


def drop_snapshot(snapshot: Snapshot) -> None:
    if TEST_DATABASE_URL:
        _pg_admin(f'DROP DATABASE IF EXISTS "{_pg_name(snapshot.url)}"')
