"""A small community for the discussion tests: tutors of two employers, an employer, a
trainer, an admin; helpers that act through the services."""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.discussions.models import Notification, Post, Thread
from app.extensions import db
from tests import factories

HX = {"HX-Request": "true"}


@dataclass
class World:
    keys: dict[str, str]  # role → session key (auth.as_session)
    ids: dict[str, int]   # role → user id


@pytest.fixture
def world(app):
    """Karim (tutor, EHPAD), Julie (tutor, SAAD), Sophie (employer, EHPAD), Nadia (trainer),
    Claire (admin), Léa (newcomer, EHPAD)."""
    with app.app_context():
        ehpad = factories.make_organisation(name="EHPAD Les Tilleuls")
        saad = factories.make_organisation(name="SAAD Loire", sector="domicile")
        training = factories.make_organisation(name="Estuaire Compétences",
                                               kind="training_body", sector=None)
        departement = factories.make_organisation(name="Département", kind="departement",
                                                  sector=None)
        people = {
            "tutor": factories.make_user(ehpad, "tutor", full_name="Karim Diallo"),
            "peer": factories.make_user(saad, "tutor", full_name="Julie Perrin"),
            "employer": factories.make_user(ehpad, "employer", full_name="Sophie Lambert"),
            "trainer": factories.make_user(training, "trainer", full_name="Nadia Benali"),
            "admin": factories.make_user(departement, "employer", full_name="Claire Martin",
                                         is_admin=True),
            "newcomer": factories.make_user(ehpad, "newcomer", full_name="Léa Fontaine"),
        }
        # Members for a while: the rate limit of new accounts does not apply to them.
        from datetime import timedelta

        from app.accounts.models import utcnow

        for user in people.values():
            user.created_at = utcnow() - timedelta(days=90)
        db.session.commit()
        return World(keys={role: user.get_id() for role, user in people.items()},
                     ids={role: user.id for role, user in people.items()})


@pytest.fixture
def login(auth, world):
    """login("tutor"): the test client acts as that person from now on."""
    def as_role(role: str) -> None:
        auth.as_session(world.keys[role])
    return as_role


def user(role_id: int):
    from app.accounts.models import User

    return db.session.get(User, role_id)


def ask(app, world, role: str = "tutor", **fields) -> int:
    """A public thread asked by `role`; returns its id."""
    with app.app_context():
        return factories.make_thread(user(world.ids[role]), **fields).id


def answer(app, world, thread_id: int, role: str = "peer", body: str = "Un binôme joignable.",
           **fields) -> int:
    """A reply by `role`; returns the post id."""
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        return factories.make_reply(user(world.ids[role]), thread, body, **fields).id


def thread_state(app, thread_id: int) -> Thread:
    with app.app_context():
        found = db.session.get(Thread, thread_id)
        _ = found.posts, found.category
        db.session.expunge_all()
        return found


def post_state(app, post_id: int) -> Post:
    with app.app_context():
        found = db.session.get(Post, post_id)
        _ = found.revisions, found.files
        db.session.expunge_all()
        return found


def notifications_of(app, user_id: int, kind: str | None = None) -> list[Notification]:
    with app.app_context():
        query = select(Notification).where(Notification.user_id == user_id)
        if kind:
            query = query.where(Notification.kind == kind)
        found = list(db.session.scalars(query.order_by(Notification.id)))
        db.session.expunge_all()
        return found


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))
