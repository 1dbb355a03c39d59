"""Demo contracts: in both demo employers, one per stage (draft; active with the first
meeting done; one month in; closed with an outcome), with the demo tutors and referent.

Built through the services, as people would; idempotent (an organisation that already
has contracts is left alone).
"""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Organisation, User, utcnow
from app.config import ROOT
from app.extensions import db
from app.onboarding import services
from app.onboarding.importer import load_templates
from app.onboarding.models import Contract, ContractTemplate
from app.onboarding.schedule import add_months

# organisation, employer, tutors (by stage), template slug, newcomers (by stage)
DEMO = [
    ("EHPAD Les Tilleuls", "rh.tilleuls@demo.compagnon.fr",
     ["ide.tilleuls@demo.compagnon.fr", "tuteur.tilleuls@demo.compagnon.fr",
      "tuteur.tilleuls@demo.compagnon.fr", "ide.tilleuls@demo.compagnon.fr"],
     ["ash", "aide-soignant", "ash", "aide-soignant"],
     ["Inès Moreau", "Yasmine Haddad", "Lucas Bernard", "Awa Traoré"], "en-poste"),
    ("Aide à domicile Loire Services", "rh.loire@demo.compagnon.fr",
     ["tutrice.loire@demo.compagnon.fr"] * 4,
     ["agent-de-service", "auxiliaire-de-vie", "auxiliaire-de-vie", "auxiliaire-de-vie"],
     ["Manon Lefèvre", "Kevin Martin", "Sarah Dubois", "Jordan Petit"], "formation"),
]
REFERENT = "referente@demo.compagnon.fr"

LEVELS_BY_STAGE = [
    ["en-cours", "non-acquis", "en-cours", "en-cours", "non-acquis", "en-cours", "en-cours"],
    ["acquis", "en-cours", "acquis", "acquis", "en-cours", "acquis", "acquis"],
    ["maitrise", "acquis", "maitrise", "acquis", "acquis", "maitrise", "acquis"],
]
RECORDS = [
    ("Présentation de l’équipe et du service ; premières interventions en binôme.",
     "Prendre le temps de lire le plan d’aide avant chaque intervention.",
     "Binôme pendant deux semaines ; point chaque vendredi avec le tuteur ou la tutrice."),
    ("Les gestes du quotidien sont acquis ; les transmissions sont régulières.",
     "Gagner en assurance face aux familles ; utiliser le matériel de transfert sans aide.",
     "Formation « gestes et postures » demandée ; prochaine rencontre au bilan."),
    ("Autonome sur l’ensemble du poste ; bonne intégration dans l’équipe.",
     "Projet de formation qualifiante à préparer avec la référente.",
     "Fin de l’accompagnement renforcé ; la personne reste en poste."),
]


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _record(actor, contract, meeting, stage: int, today) -> None:
    levels = LEVELS_BY_STAGE[min(stage, 2)]
    acquired, axes, decisions = RECORDS[min(stage, 2)]
    attendees = [f"{contract.newcomer_name} (personne accueillie)",
                 f"{contract.tutor.full_name} (tuteur·rice)"]
    if contract.referent:
        attendees.append(f"{contract.referent.full_name} (référent·e)")
    services.record_meeting(actor, contract, meeting, services.MeetingRecord(
        held_on=meeting.planned_on, attendees=attendees,
        assessments={s["key"]: {"level": levels[i % len(levels)],
                                "comment": "Observé lors des interventions de la semaine."}
                     for i, s in enumerate(contract.skills)},
        objectives_status={o["key"]: "atteint" if stage >= 2 else "en-cours"
                           for o in contract.objectives},
        points_acquired=acquired, progress_axes=axes, decisions=decisions), today)
    services.sign(contract.tutor, contract, "newcomer", meeting)  # no account: in presence
    services.sign(contract.tutor, contract, "tutor", meeting)
    if contract.referent:
        services.sign(contract.referent, contract, "referent", meeting)


def _exchange(contract, employer, tutor, referent) -> None:
    """A few messages in the contract's private thread, between its parties."""
    from app.discussions import services as discussions
    from app.onboarding.thread import KIND

    thread = discussions.find_private_thread(KIND, contract.id)
    first = contract.newcomer_name.split()[0]
    for author, text in [
        (tutor, f"Point après la rencontre du premier mois : {first} est à l’aise avec les "
                "résident·es et les familles. Reste le matériel de transfert : nous le "
                "reprendrons ensemble la semaine prochaine."),
        (referent, f"Merci. {first} m’a parlé de ses trajets du week-end : je lance la "
                   "demande d’aide au permis de conduire, réponse sous trois semaines."),
        (employer, "La formation « gestes et postures » est inscrite au plan : session du "
                   "mois prochain, deux jours."),
    ]:
        discussions.reply(author, thread, text)


def _contract(organisation, employer, tutor, template, name, stage, outcome, today):
    referent = _user(REFERENT)
    contract = services.start_contract(employer, organisation, template, services.Identity(
        newcomer_name=name, newcomer_email="", job=template.job, job_title="",
        contract_type="cdd" if stage != 1 else "pec"))
    if stage == 0:
        services.save_dates(employer, contract, today + timedelta(days=14),
                            add_months(today, 12), 6)
        return
    start = {1: today - timedelta(days=10), 2: add_months(today, -1) - timedelta(days=5),
             3: add_months(today, -8)}[stage]
    services.save_dates(employer, contract, start, add_months(start, 12), 6)
    services.save_parties(employer, contract, tutor.id, referent.id, None)
    services.save_needs(employer, contract, ["mobilite"] if stage % 2 else ["formation"],
                        "Aide au permis de conduire étudiée avec la Mission Locale."
                        if stage % 2 else "")
    services.open_contract(employer, contract)
    services.sign(employer, contract, "employer")
    services.sign(tutor, contract, "tutor")
    services.sign(tutor, contract, "newcomer")
    if contract.referent:
        services.sign(contract.referent, contract, "referent")
    held = {1: 1, 2: 2, 3: 3}[stage]
    for index, meeting in enumerate(contract.meetings[:held]):
        _record(tutor, contract, meeting, index, today)
        if index < held - 1 or stage == 3:  # the latest record of an open contract: not yet
            services.sign(employer, contract, "employer", meeting)
    if stage == 2:
        _exchange(contract, employer, tutor, referent)
    if stage == 3:
        services.close_contract(employer, contract, outcome, "", contract.meetings[-1].planned_on)


def load_onboarding() -> None:
    """Shared templates, then four contracts in each demo employer."""
    load_templates(ROOT / "content" / "contracts")
    today = utcnow().date()
    for org_name, employer_email, tutors, jobs, names, outcome in DEMO:
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        if organisation is None or db.session.scalar(
                select(Contract.id).where(Contract.organisation_id == organisation.id).limit(1)):
            continue
        employer = _user(employer_email)
        for stage, (tutor_email, slug, name) in enumerate(zip(tutors, jobs, names, strict=True)):
            template = db.session.scalar(select(ContractTemplate).where(
                ContractTemplate.slug == slug))
            _contract(organisation, employer, _user(tutor_email), template, name, stage,
                      outcome, today)
