"""The database layer: migrations match the models; SQLite is safe for several workers."""

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from app.accounts.models import LoginFailure, Membership, User
from app.extensions import db
from tests import factories
from tests.conftest import TEST_DATABASE_URL


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []


def test_the_folded_names_migration_goes_down_and_up_without_losing_anyone(app):
    """0012 adds users.name_key and fills it; going back drops the column alone (a SQLite
    table rebuild would have dropped `users`, and every membership with it)."""
    with app.app_context():
        factories.make_user(factories.make_organisation(), "tutor", full_name="Lætitia Rivière")
        db.session.remove()
        downgrade(revision="0011_notification_message_text")
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
        db.session.remove()
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
        assert db.session.scalar(select(User.name_key)) == "laetitia riviere"


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite pragmas: this run is on PostgreSQL")
def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_two_workers_writing_at_once_never_hit_database_is_locked(app, second_app):
    """Two app instances (as two gunicorn workers) read then write in the same transaction."""
    apps = [app, second_app()]
    errors: list[BaseException] = []
    rounds = 25

    def work(worker_app, worker: int):
        try:
            with worker_app.app_context():
                for n in range(rounds):
                    # Read first, then write: the pattern that SQLite's deferred
                    # transactions turn into "database is locked".
                    db.session.scalar(select(func.count(LoginFailure.id)))
                    db.session.add(LoginFailure(email=f"w{worker}-{n}@exemple.fr"))
                    db.session.flush()
                    db.session.scalar(select(func.count(LoginFailure.id)))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(a, i)) for i, a in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginFailure.id))) == 2 * rounds


def test_a_write_after_a_read_survives_another_workers_commit_in_between(app, second_app):
    """SQLite refuses at once (no busy wait) to upgrade a read snapshot that another
    connection has made stale: reads must not open the write transaction."""
    other = second_app()
    read_done, other_committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_worker():
        try:
            with app.app_context():
                db.session.scalar(select(func.count(LoginFailure.id)))
                read_done.set()
                other_committed.wait(5)
                db.session.add(LoginFailure(email="premier@exemple.fr"))
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    thread = threading.Thread(target=first_worker)
    thread.start()
    read_done.wait(5)
    with other.app_context():
        db.session.add(LoginFailure(email="second@exemple.fr"))
        db.session.commit()
        other_committed.set()
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginFailure.id))) == 2


def test_a_rolled_back_write_leaves_nothing(app):
    with app.app_context():
        db.session.add(LoginFailure(email="annule@exemple.fr"))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count(LoginFailure.id))) == 0
