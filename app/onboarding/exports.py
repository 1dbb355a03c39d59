"""Files made from contracts: the anonymous figures as CSV, a person's own data as JSON."""

import csv
import io
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.discussions.queries import personal_data as discussion_data
from app.extensions import db
from app.onboarding.models import (
    CONTRACT_TYPES,
    LEVELS,
    MEETING_KINDS,
    NEEDS,
    OBJECTIVE_STATES,
    OUTCOMES,
    SECTIONS,
    Contract,
)
from app.onboarding.queries import SectorFigures, share, shown


def _percent(part: int, whole: int) -> str:
    """The share as a number, empty when nothing is counted, « non diffusé » when small."""
    if not whole:
        return ""
    value = share(part, whole)
    return "non diffusé" if value is None else str(value)


def statistics_csv(rows: list[SectorFigures]) -> str:
    """One line per sector (semicolon-separated, UTF-8 with BOM, as spreadsheets expect);
    counts of 1 or 2 read « moins de 3 », as on the page."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Secteur", "Contrats ouverts", "En cours", "Clôturés",
                     "Rencontres dues", "Rencontres tenues à temps", "Part à temps (%)",
                     "Contrats à six mois", "En poste à six mois", "Part en poste (%)",
                     *[label for label, _ in OUTCOMES.values()]])
    for r in rows:
        writer.writerow([
            r.label, *map(shown, (r.opened, r.active, r.closed, r.meetings_due,
                                  r.meetings_on_time)),
            _percent(r.meetings_on_time, r.meetings_due),
            shown(r.eligible_six_months), shown(r.employed_six_months),
            _percent(r.employed_six_months, r.eligible_six_months),
            *map(shown, r.outcomes.values())])
    return out.getvalue()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def contract_data(contract: Contract) -> dict:
    """Everything the contract holds, in plain words, for its own parties."""
    skills = {s["key"]: s for s in contract.skills}
    objectives = {o["key"]: o for o in contract.objectives}
    return {
        "reference": contract.ref,
        "organisation": contract.organisation.name,
        "statut": contract.status_label,
        "personne_accueillie": contract.newcomer_name,
        "email_personne_accueillie": contract.newcomer_email,
        "tuteur_ou_tutrice": contract.tutor.full_name if contract.tutor else None,
        "referent_ou_referente": contract.referent.full_name if contract.referent else None,
        "metier": contract.job_label,
        "type_de_contrat": CONTRACT_TYPES.get(contract.contract_type, contract.contract_type),
        "debut": _iso(contract.start_on),
        "fin": _iso(contract.end_on),
        "duree_accompagnement_mois": contract.accompaniment_months,
        "livret": {label: getattr(contract, name) for name, label in SECTIONS.items()},
        "objectifs": [{"objectif": o["text"], "indicateur": o["indicator"],
                       "echeance": o["target_on"] or None} for o in contract.objectives],
        "competences": [{"type": s["kind"], "competence": s["label"]} for s in contract.skills],
        "accompagnement_a_la_carte": [NEEDS[n] for n in contract.needs if n in NEEDS],
        "precisions_accompagnement": contract.needs_note,
        "issue": contract.outcome_label or None,
        "raison": contract.outcome_reason or None,
        "fin_accompagnement": _iso(contract.closed_on),
        "rencontres": [{
            "numero": m.number, "type": MEETING_KINDS.get(m.kind, m.kind),
            "prevue_le": _iso(m.planned_on), "tenue_le": _iso(m.held_on),
            "presents": m.attendees,
            "evaluation": [{"competence": skills[k]["label"],
                            "niveau": LEVELS.get(v.get("level", ""), ""),
                            "commentaire": v.get("comment", "")}
                           for k, v in m.assessments.items() if k in skills],
            "objectifs": [{"objectif": objectives[k]["text"], "etat": OBJECTIVE_STATES[v]}
                          for k, v in m.objectives_status.items()
                          if k in objectives and v in OBJECTIVE_STATES],
            "points_acquis": m.points_acquired, "axes_de_progres": m.progress_axes,
            "decisions": m.decisions,
        } for m in contract.meetings],
        "signatures": [{
            "partie": s.party, "nom": s.signer_name, "en_presence_de": s.in_presence_of,
            "le": s.signed_at.isoformat(timespec="seconds") + "Z",
            "rencontre": next((m.number for m in contract.meetings if m.id == s.meeting_id),
                              None),
            "version": s.version,
        } for s in contract.signatures],
    }


def personal_data(user: User) -> dict:
    """The person's profile and the contracts where they are a party (tutor, referent,
    newcomer) — not those they see as an employer or an admin."""
    contracts = db.session.scalars(
        select(Contract).options(
            joinedload(Contract.organisation), joinedload(Contract.tutor),
            joinedload(Contract.referent), selectinload(Contract.meetings),
            selectinload(Contract.signatures))
        .where(or_(Contract.tutor_id == user.id, Contract.referent_id == user.id,
                   Contract.newcomer_id == user.id))
        .order_by(Contract.id)
    ).all()
    return {
        "profil": {
            "email": user.email, "nom": user.full_name, "fonction": user.job_title,
            "telephone": user.phone,
            "compte_cree_le": user.created_at.isoformat(timespec="seconds") + "Z",
            "derniere_connexion": (user.last_login_at.isoformat(timespec="seconds") + "Z"
                                   if user.last_login_at else None),
            "organisations": [{"organisation": m.organisation.name, "role": m.role_label}
                              for m in user.active_memberships],
        },
        "contrats_d_accueil": [_for(user, c) for c in contracts],
        "discussions": discussion_data(user),
    }


def _for(user: User, contract: Contract) -> dict:
    """A contract as one of its parties downloads it: the newcomer's e-mail only for them."""
    data = {"role": _role(user, contract), **contract_data(contract)}
    if contract.newcomer_id != user.id:
        data.pop("email_personne_accueillie")
    return data


def _role(user: User, contract: Contract) -> str:
    if contract.newcomer_id == user.id:
        return "personne accueillie"
    if contract.tutor_id == user.id:
        return "tuteur ou tutrice"
    return "référent·e"
