"""A small community around one contract: its parties, their colleagues, outsiders."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.extensions import db
from app.onboarding.models import Contract
from tests import factories
from tests.onboarding import factories as onboarding

HX = {"HX-Request": "true"}

# Everyone the privacy rules distinguish; "anonymous" is not signed in.
PRINCIPALS = ["anonymous", "tutor", "other_tutor", "foreign_tutor", "employer",
              "other_employer", "referent", "other_referent", "trainer", "admin", "newcomer"]
VIEWERS = {"tutor", "employer", "referent", "admin", "newcomer"}
EDITORS = {"tutor", "employer", "referent"}
AUDITORS = {"employer", "admin"}


@dataclass
class World:
    org: int
    other: int
    ref: str           # the contract's public reference
    contract: int      # its id
    keys: dict[str, str]   # principal → session key (auth.as_session)
    ids: dict[str, int]    # principal → user id


@pytest.fixture
def world(app):
    """EHPAD Les Tilleuls, its contract for a newcomer with an account; SAAD Les Glycines;
    a Mission Locale with two referents; a trainer; an admin."""
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls", sector="ehpad")
        other = factories.make_organisation(name="SAAD Les Glycines", sector="domicile")
        support = factories.make_organisation(name="Mission Locale de l’Estuaire",
                                              kind="support_service", sector=None)
        training = factories.make_organisation(name="Estuaire Compétences",
                                               kind="training_body", sector=None)
        departement = factories.make_organisation(name="Département", kind="departement",
                                                  sector=None)
        people = {
            "tutor": factories.make_user(org, "tutor", full_name="Karim Diallo"),
            "other_tutor": factories.make_user(org, "tutor", full_name="Thomas Girard"),
            "foreign_tutor": factories.make_user(other, "tutor", full_name="Julie Perrin"),
            "employer": factories.make_user(org, "employer", full_name="Sophie Lambert"),
            "other_employer": factories.make_user(other, "employer",
                                                  full_name="Isabelle Moreau"),
            "referent": factories.make_user(support, "referent", full_name="Fatou Ndiaye"),
            "other_referent": factories.make_user(support, "referent", full_name="Paul Roux"),
            "trainer": factories.make_user(training, "trainer", full_name="Nadia Benali"),
            "admin": factories.make_user(departement, "employer", full_name="Claire Martin",
                                         is_admin=True),
            "newcomer": factories.make_user(org, "newcomer", full_name="Léa Fontaine",
                                            email="lea.fontaine@exemple.fr"),
        }
        contract = onboarding.make_contract(
            org, tutor=people["tutor"], referent=people["referent"],
            newcomer=people["newcomer"], newcomer_name="Léa Fontaine")
        return World(org=org.id, other=other.id, ref=contract.ref, contract=contract.id,
                     keys={role: user.get_id() for role, user in people.items()},
                     ids={role: user.id for role, user in people.items()})


@pytest.fixture
def login(auth, world):
    """login("employer"): the test client acts as that person from now on."""
    def as_principal(principal: str) -> None:
        if principal == "anonymous":
            auth.logout()
        else:
            auth.as_session(world.keys[principal])
    return as_principal


def contract_of(app, ref: str) -> Contract:
    """The contract as stored now, with its meetings and signatures, detached."""
    with app.app_context():
        found = db.session.scalar(select(Contract).where(Contract.ref == ref))
        if found is not None:
            _ = found.meetings, found.signatures, found.organisation, found.tutor
        db.session.expunge_all()
        return found


def record_form(**overrides) -> dict:
    """A meeting record as the tutor fills it."""
    data = {
        "held_on": overrides.pop("held_on", None) or "",
        "attendees": ["Léa Fontaine (personne accueillie)", "Karim Diallo (tuteur·rice)"],
        "other_attendees": "Marie Roy (IDEC)",
        "niveau-s-toilette": "en-cours", "commentaire-s-toilette": "Toilette au lavabo, aidée.",
        "niveau-s-transfert": "non-acquis", "commentaire-s-transfert": "",
        "niveau-s-ecoute": "acquis", "commentaire-s-ecoute": "Très attentive.",
        "objectif-o-toilettes": "en-cours",
        "points_acquired": "Les horaires, l’équipe.", "progress_axes": "Les transferts.",
        "decisions": "Formation gestes et postures.",
    }
    data.update(overrides)
    return data
