"""A small community for the library tests: two employers, their tutors, a trainer."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db
from app.library.models import Practice
from tests import factories

HX = {"HX-Request": "true"}


@dataclass
class World:
    org: int
    other: int
    keys: dict[str, str]  # role → session key (auth.as_session)
    ids: dict[str, int]   # role → user id


@pytest.fixture
def world(app):
    """EHPAD Les Tilleuls (employer, tutor), SAAD Les Glycines (employer, tutor), a trainer."""
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        other = factories.make_organisation(name="SAAD Les Glycines", sector="domicile")
        training = factories.make_organisation(name="Organisme de formation",
                                               kind="training_body", sector=None)
        people = {
            "employer": factories.make_user(org, "employer", full_name="Sophie Lambert"),
            "tutor": factories.make_user(org, "tutor", full_name="Julie Martin"),
            "other_employer": factories.make_user(other, "employer", full_name="Karim Benali"),
            "other_tutor": factories.make_user(other, "tutor", full_name="Léa Petit"),
            "trainer": factories.make_user(training, "trainer", full_name="Claire Roux"),
        }
        return World(org=org.id, other=other.id,
                     keys={role: user.get_id() for role, user in people.items()},
                     ids={role: user.id for role, user in people.items()})


@pytest.fixture
def login(auth, world):
    """login("employer"): the test client acts as that person from now on."""
    def as_role(role: str) -> None:
        auth.as_session(world.keys[role])
    return as_role


def sheet_form(organisation_id: int | None = None, **overrides) -> dict:
    """What an employer types in the sheet form."""
    data = {
        "title": "Le café d’accueil du lundi",
        "summary": "Chaque lundi, les nouvelles personnes prennent un café avec la direction.",
        "body_md": "## Pourquoi\n\nPour se sentir attendu·e.\n\n## Comment\n\n- Un café\n"
                   "- Le livret d’accueil\n",
        "category": "accueil", "phase": "premier-jour", "sector": "ehpad",
        "tags": "café, livret d’accueil",
    }
    if organisation_id is not None:
        data["organisation_id"] = str(organisation_id)
    data.update(overrides)
    return data


def practice(app, slug: str) -> Practice:
    """The sheet as stored now (revisions and files loaded), detached."""
    with app.app_context():
        found = db.session.scalar(select(Practice).where(Practice.slug == slug))
        if found is not None:
            _ = found.revisions, found.files, found.organisation
            for revision in found.revisions:
                _ = revision.title
        db.session.expunge_all()
        return found


def make_sheet(app, organisation_id: int, published: bool = True, **fields) -> str:
    """A sheet of that organisation, published or a draft; returns its slug."""
    with app.app_context():
        from app.accounts.models import Organisation
        org = db.session.get(Organisation, organisation_id)
        return factories.make_practice(org, published=published, **fields).slug


def attach(app, slug: str, filename: str = "Livret d’accueil.pdf") -> int:
    """A small PDF attached to the sheet; returns the file id."""
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        return factories.make_practice_file(sheet, filename=filename).id


def add_member(app, organisation_id: int, role: str, **fields) -> str:
    """Another member of an organisation; returns their session key."""
    from app.accounts.models import Organisation

    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        return factories.make_user(organisation, role, **fields).get_id()
