"""Plain functions that create onboarding rows for tests (as an opened contract would be)."""

from datetime import date, timedelta
from itertools import count

from app.accounts.models import Organisation, User, utcnow
from app.extensions import db
from app.onboarding.models import Contract, ContractTemplate, Meeting
from app.onboarding.schedule import add_months, default_meetings

_sequence = count(1)

SKILLS = [
    {"key": "s-toilette", "kind": "savoir-faire", "label": "Réaliser une toilette complète"},
    {"key": "s-transfert", "kind": "savoir-faire", "label": "Installer une personne en sécurité"},
    {"key": "s-ecoute", "kind": "savoir-etre", "label": "Communiquer avec bienveillance"},
]
OBJECTIVES = [
    {"key": "o-toilettes", "text": "Réaliser seul·e les toilettes du matin",
     "indicator": "Six toilettes sans aide", "target_on": ""},
]


def make_template(organisation: Organisation | None = None, published: bool = True,
                  **overrides) -> ContractTemplate:
    n = next(_sequence)
    values = {"title": f"Aide-soignant·e en EHPAD {n}", "job": "aide-soignant",
              "summary": "Un modèle.", "published": published, "organisation": organisation,
              "sections": {"job_description": "Soins d’hygiène et de confort.",
                           "conditions": "Journée, un week-end sur deux.", "roles": "",
                           "newcomer_skills": ""},
              "objectives": [{"text": "Réaliser seul·e les toilettes du matin",
                              "indicator": "Six toilettes sans aide"}],
              "skills": [{"kind": s["kind"], "label": s["label"]} for s in SKILLS]}
    values.update(overrides)
    template = ContractTemplate(**values)
    db.session.add(template)
    db.session.commit()
    return template


def make_contract(organisation: Organisation, tutor: User | None = None,
                  referent: User | None = None, newcomer: User | None = None,
                  status: str = "active", start: date | None = None, end: date | None = None,
                  **overrides) -> Contract:
    """A contract as the wizard leaves it; an active one has its meetings planned."""
    n = next(_sequence)
    start = start or utcnow().date() - timedelta(days=10)
    values = {
        "organisation": organisation, "sector": organisation.sector, "status": status,
        "newcomer_name": f"Léa Nouvelle{n}", "newcomer_id": newcomer.id if newcomer else None,
        "tutor_id": tutor.id if tutor else None, "referent_id": referent.id if referent else None,
        "job": "aide-soignant", "contract_type": "cdd", "start_on": start,
        "end_on": end if end is not None else add_months(start, 12),
        "job_description": "Soins d’hygiène et de confort.", "conditions": "Journée.",
        "roles": "Le tuteur montre, fait avec, laisse faire.", "newcomer_skills": "",
        "objectives": [dict(o) for o in OBJECTIVES], "skills": [dict(s) for s in SKILLS],
        "needs": ["mobilite"], "needs_note": "", "wizard_step": "recapitulatif",
    }
    values.update(overrides)
    contract = Contract(**values)
    if status != "draft":
        contract.opened_at = utcnow()
        contract.meetings = [
            Meeting(number=i, kind=kind, scheduled_on=day, planned_on=day)
            for i, (kind, day) in enumerate(
                default_meetings(contract.start_on, contract.end_on), start=1)]
    db.session.add(contract)
    db.session.flush()
    from app.onboarding.thread import open_thread

    open_thread(contract)  # as the service does: the contract's private thread
    db.session.commit()
    return contract
