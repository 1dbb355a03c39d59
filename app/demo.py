"""`flask demo load`: a small, believable community to try Compagnon with.

Idempotent: running it again updates the same rows. Each domain adds its own
demo data to DEMO_STEPS.
"""

import click
from flask import Blueprint
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import (
    ADMIN_LABEL,
    Invitation,
    Organisation,
    OrganisationKind,
    Role,
    User,
    utcnow,
)
from app.extensions import db
from app.onboarding.demo import load_onboarding

demo_cli = Blueprint("demo", __name__, cli_group="demo")

PASSWORD = "demo-compagnon-2026"  # noqa: S105  (published in the README on purpose)

ORGANISATIONS = [
    ("Département", OrganisationKind.DEPARTEMENT, None, "Nantes"),
    ("EHPAD Les Tilleuls", OrganisationKind.EMPLOYER, "ehpad", "Saint-Nazaire"),
    ("Aide à domicile Loire Services", OrganisationKind.EMPLOYER, "domicile", "Savenay"),
    ("Mission Locale de l'Estuaire", OrganisationKind.SUPPORT_SERVICE, None, "Saint-Nazaire"),
    ("Estuaire Compétences", OrganisationKind.TRAINING_BODY, None, "Nantes"),
]

# (email, name, job title, organisation, role, admin)
ACCOUNTS = [
    ("admin@demo.compagnon.fr", "Claire Martin", "Chargée de mission autonomie",
     "Département", "employer", True),
    ("formatrice@demo.compagnon.fr", "Nadia Benali", "Formatrice tutorat",
     "Estuaire Compétences", "trainer", False),
    ("rh.tilleuls@demo.compagnon.fr", "Sophie Lambert", "Responsable RH",
     "EHPAD Les Tilleuls", "employer", False),
    ("tuteur.tilleuls@demo.compagnon.fr", "Karim Diallo", "Aide-soignant",
     "EHPAD Les Tilleuls", "tutor", False),
    ("rh.loire@demo.compagnon.fr", "Isabelle Moreau", "Directrice",
     "Aide à domicile Loire Services", "employer", False),
    ("tutrice.loire@demo.compagnon.fr", "Julie Perrin", "Auxiliaire de vie sociale",
     "Aide à domicile Loire Services", "tutor", False),
    ("referente@demo.compagnon.fr", "Fatou Ndiaye", "Conseillère en insertion",
     "Mission Locale de l'Estuaire", "referent", False),
    ("ide.tilleuls@demo.compagnon.fr", "Thomas Girard", "Infirmier coordinateur",
     "EHPAD Les Tilleuls", "tutor", False),
]


def load_community() -> None:
    for name, kind, sector, city in ORGANISATIONS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name)
            db.session.add(org)
        org.kind, org.sector, org.city = kind, sector, city
    db.session.commit()
    for email, name, job, org, role, admin in ACCOUNTS:
        user = accounts.create_user(email, name, PASSWORD, org, role, is_admin=admin)
        user.job_title = job
    db.session.commit()
    # A pending invitation, so that employers see what one looks like.
    tilleuls = db.session.scalar(
        select(Organisation).where(Organisation.name == "EHPAD Les Tilleuls")
    )
    pending = db.session.scalar(
        select(Invitation.id).where(
            Invitation.email == "nouvelle.tutrice@demo.compagnon.fr",
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    if not pending:
        sophie = db.session.scalar(
            select(User).where(User.email == "rh.tilleuls@demo.compagnon.fr")
        )
        accounts.invite(sophie, tilleuls, "nouvelle.tutrice@demo.compagnon.fr", "tutor",
                        "Léa Fontaine")


def load_content() -> None:
    """The curated practice sheets of content/ (the same import as `flask content import`)."""
    from app.config import ROOT
    from app.content import run_import

    run_import(ROOT / "content")


def is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


@demo_cli.cli.command("load")
@click.option("--if-empty", is_flag=True, help="Ne fait rien si la base contient déjà des comptes.")
def load(if_empty: bool):
    """Load the demo community (idempotent)."""
    if if_empty and not is_empty():
        click.echo("La base contient déjà des comptes : démo non rechargée.")
    else:
        for step in DEMO_STEPS:
            step()
        click.echo("Communauté de démonstration chargée.")
    click.echo(f"\nComptes de démonstration (mot de passe : {PASSWORD}) :")
    for email, name, _job, org, role, admin in ACCOUNTS:
        label = ADMIN_LABEL if admin else Role(role).label
        click.echo(f"  {email:<36} {name} — {label}, {org}")


def load_inventory() -> None:
    """One open campaign: EHPAD Les Tilleuls has answered, Loire Services is halfway."""
    from datetime import timedelta

    from app.inventory import services as inventory
    from app.inventory.models import Campaign

    if db.session.scalar(select(Campaign.id).limit(1)):
        return
    trainer = db.session.scalar(select(User).where(User.email == "formatrice@demo.compagnon.fr"))
    today = utcnow().date()
    campaign = inventory.open_campaign(
        trainer, "Recensement des pratiques d’accueil 2026", "recensement-pratiques",
        today - timedelta(days=20), today + timedelta(days=40),
    )
    for email, organisation_name, values, practices, send in DEMO_ANSWERS:
        employer = db.session.scalar(select(User).where(User.email == email))
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.name == organisation_name)
        )
        blocks = [inventory.PracticeInput(None, *p) for p in practices]
        if send:
            inventory.submit(employer, campaign, organisation, values, blocks)
        else:
            inventory.save_draft(employer, campaign, organisation, values, blocks)


DEMO_ANSWERS = [
    ("rh.tilleuls@demo.compagnon.fr", "EHPAD Les Tilleuls", {
        "effectif_salaries": "64", "recrutements_annuels": "18",
        "phases_formalisees": ["avant-arrivee", "premier-jour", "premiere-semaine"],
        "duree_accompagnement": "un-mois",
        "outils_utilises": ["livret-accueil", "checklist", "binome", "rapport-etonnement"],
        "outil_le_plus_utile": "Le livret d’accueil envoyé avant l’arrivée",
        "tuteurs_designes": "oui-formes", "nombre_tuteurs": "6", "heures_tutorat": "10",
        "reconnaissance_tutorat": ["temps-planifie", "formation"],
        "partenaires_accompagnement": ["mission-locale", "france-travail"],
        "rencontres_tripartites": "parfois",
        "difficultes": ["manque-de-temps", "departs-precoces"],
        "difficultes_precisions": "Les plannings tendus laissent peu de temps aux tuteurs "
                                  "pendant les week-ends.",
        "besoins": ["formation-tuteurs", "echanges-employeurs"],
    }, [
        ("Le café d’accueil du lundi",
         "Chaque lundi à 9 h, les personnes arrivées dans la semaine prennent un café avec la "
         "directrice, l’IDEC et leur tuteur·rice. On présente la maison, on répond aux "
         "questions, on remet le badge et le livret.", "premier-jour", "accueil"),
        ("Le carnet de bord du binôme",
         "Un petit carnet que la nouvelle personne et son tuteur remplissent ensemble chaque "
         "soir de la première semaine : ce qui a été vu, ce qui reste à voir.",
         "premiere-semaine", "transmission"),
    ], True),
    ("rh.loire@demo.compagnon.fr", "Aide à domicile Loire Services", {
        "effectif_salaries": "120", "phases_formalisees": ["premier-jour", "premier-mois"],
    }, [], False),
]


def load_training() -> None:
    """The demo tutors: one module completed, one in progress."""
    from app.catalogue import services as catalogue
    from app.catalogue.models import Enrolment, LearningPath

    path = db.session.scalar(select(LearningPath).order_by(LearningPath.id))
    if path is None or len(path.steps) < 2:
        return
    first, second = path.steps[0].module, path.steps[1].module
    for email in ("tuteur.tilleuls@demo.compagnon.fr", "tutrice.loire@demo.compagnon.fr"):
        tutor = db.session.scalar(select(User).where(User.email == email))
        if db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == tutor.id)):
            continue
        for lesson in first.lessons:
            catalogue.set_lesson_done(tutor, lesson, True)
            for question in lesson.questions:
                catalogue.answer(tutor, question, sorted(question.correct_indexes))
        catalogue.set_lesson_done(tutor, second.lessons[0], True)


def load_discussions() -> None:
    from app.discussions.demo import load_discussions as load

    load()


# Each domain's demo data, in order (the command above runs them).
DEMO_STEPS = [load_community, load_content, load_inventory, load_training, load_onboarding,
              load_discussions]
