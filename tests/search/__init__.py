"""Helpers for the search tests: a small community, sheets, and what a search shows.

Plain functions (not fixtures): each test module wires the few it needs.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from app.accounts.models import Organisation, User
from app.extensions import db
from app.library.models import Practice, TaxonomyTerm
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
HX = {"HX-Request": "true"}


def seed_vocabularies(app) -> None:
    """The categories, phases and sectors as migration 0002 seeds them (PostgreSQL tests
    empty every table between tests)."""
    with app.app_context():
        if db.session.scalar(select(func.count(TaxonomyTerm.id))):
            return
        path = next((ROOT / "migrations" / "versions").glob("0002_*.py"))
        spec = importlib.util.spec_from_file_location("migration_0002_terms", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for kind, values in module.TERMS.items():
            db.session.add_all(TaxonomyTerm(kind=kind, slug=slug, label=label, position=n)
                               for n, (slug, label) in enumerate(values))
        db.session.commit()


@dataclass
class Community:
    org: int  # EHPAD Les Tilleuls
    other: int  # SAAD Les Glycines
    users: dict[str, int]  # role → user id
    keys: dict[str, str]  # role → session key (Auth.as_session)


def community(app) -> Community:
    """Two employers with their tutors, a trainer and an admin."""
    seed_vocabularies(app)
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        other = factories.make_organisation(name="SAAD Les Glycines", sector="domicile")
        training = factories.make_organisation(name="Organisme de formation",
                                               kind="training_body", sector=None)
        people = {
            "employer": factories.make_user(org, "employer"),
            "tutor": factories.make_user(org, "tutor"),
            "other_employer": factories.make_user(other, "employer"),
            "other_tutor": factories.make_user(other, "tutor"),
            "trainer": factories.make_user(training, "trainer"),
            "admin": factories.make_user(training, "tutor", is_admin=True),
        }
        return Community(org=org.id, other=other.id,
                         users={role: user.id for role, user in people.items()},
                         keys={role: user.get_id() for role, user in people.items()})


def make_sheet(app, organisation_id: int, published: bool = True, **fields) -> str:
    """A sheet (through the test factory, as an import would make it); returns its slug."""
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        return factories.make_practice(organisation, published=published, **fields).slug


def results(app, text: str, viewer_id: int | None = None, **options):
    """What service.search returns for this person (None: a visitor, as the CLI searches)."""
    from app.search.service import search

    with app.app_context():
        viewer = db.session.get(User, viewer_id) if viewer_id else None
        return search(text, viewer=viewer, **options)


def found(app, text: str, viewer_id: int | None = None, **options) -> list[str]:
    """The slugs found, best first."""
    return [hit.slug for hit in results(app, text, viewer_id, **options).hits]


def sheet_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Practice.id).where(Practice.slug == slug))
