"""What people do with onboarding contracts: open one step by step, plan and record the
meetings, acknowledge, close; and what the daily commands do (remind, purge).

Each service checks the policy, writes the audit entry, owns the single commit
and raises ContractError with a French message and the form field it belongs to.
"""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from app import files
from app.accounts import services as accounts
from app.accounts.models import Membership, Organisation, OrganisationKind, Role, User, utcnow
from app.catalogue.queries import trained_tutor_ids
from app.extensions import db
from app.mailer import external_url, one_connection, send_mail
from app.onboarding import policy, schedule, thread, wording
from app.onboarding.models import (
    CONTRACT_PARTIES,
    CONTRACT_TYPES,
    JOBS,
    LEVELS,
    NEEDS,
    NO_SHOW,
    OBJECTIVE_STATES,
    OUTCOMES,
    SECTIONS,
    SKILL_KINDS,
    AuditEntry,
    Contract,
    ContractStatus,
    ContractTemplate,
    Meeting,
    Reminder,
    Signature,
    new_key,
)

log = logging.getLogger(__name__)

MAX_TEXT = 20_000
MAX_ROWS = 30
MAX_LINE = 300
MAX_COMMENT = 1000
ANONYMOUS = "Personne anonymisée"


class ContractError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(ContractError):
    pass


def plain(text: str | None, limit: int = MAX_TEXT) -> str:
    """Text as typed, without NUL characters (PostgreSQL refuses them), within a limit."""
    return (text or "").replace("\x00", "").strip()[:limit]


def line(text: str | None, limit: int = MAX_LINE) -> str:
    """One line of text: no line breaks, single spaces."""
    return " ".join(plain(text, limit * 2).split())[:limit]


# --- Audit ------------------------------------------------------------------------


def audit(actor: User | None, contract: Contract, action: str, detail: str) -> None:
    """Add an audit entry to the session (the caller commits)."""
    db.session.add(AuditEntry(
        contract_id=contract.id, user_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else "Compagnon (commande)",
        action=action, detail=detail[:300],
    ))


def record_read(actor: User, contract: Contract, detail: str, action: str = "read") -> None:
    """A read or an export of the contract, in the audit log."""
    audit(actor, contract, action, detail)
    db.session.commit()


# --- Choices --------------------------------------------------------------------


def tutor_choices(organisation: Organisation) -> list[User]:
    """Who may be the tutor: the organisation's active tutors and employers."""
    members = select(Membership.user_id).where(
        Membership.organisation_id == organisation.id, Membership.active.is_(True),
        Membership.role.in_([Role.TUTOR, Role.EMPLOYER]))
    return db.session.scalars(
        select(User).where(User.id.in_(members), User.active.is_(True))
        .order_by(func.lower(User.full_name), User.id)
    ).all()


def referent_choices() -> list[User]:
    """Referents of the support services."""
    referents = select(Membership.user_id).join(
        Organisation, Organisation.id == Membership.organisation_id).where(
        Membership.active.is_(True), Membership.role == Role.REFERENT,
        Organisation.kind == OrganisationKind.SUPPORT_SERVICE)
    return db.session.scalars(
        select(User).where(User.id.in_(referents), User.active.is_(True))
        .order_by(func.lower(User.full_name), User.id)
    ).all()


def newcomer_choices(organisation: Organisation) -> list[User]:
    """Accounts of newcomers in the organisation (most newcomers have none)."""
    return db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.active.is_(True),
               Membership.role == Role.NEWCOMER, User.active.is_(True))
        .order_by(func.lower(User.full_name))
    ).all()


def template_choices(organisation: Organisation | None) -> list[ContractTemplate]:
    """Published shared templates, then the organisation's own."""
    query = select(ContractTemplate).where(
        (ContractTemplate.organisation_id.is_(None) & ContractTemplate.published.is_(True))
        | (ContractTemplate.organisation_id == (organisation.id if organisation else -1))
    ).order_by(ContractTemplate.organisation_id.is_(None), ContractTemplate.title)
    return db.session.scalars(query).all()


def active_load(tutor_ids: list[int], excluding: int | None = None) -> dict[int, int]:
    """How many open contracts each tutor follows (a draft is not a person followed yet)."""
    if not tutor_ids:
        return {}
    query = (select(Contract.tutor_id, func.count(Contract.id))
             .where(Contract.tutor_id.in_(tutor_ids), Contract.status == ContractStatus.ACTIVE)
             .group_by(Contract.tutor_id))
    if excluding is not None:
        query = query.where(Contract.id != excluding)
    return dict(db.session.execute(query).all())


def tutor_warnings(contract: Contract, tutor: User | None) -> list[str]:
    """What an employer should know before choosing this tutor (never a refusal)."""
    if tutor is None:
        return []
    warnings = []
    config = current_app.config
    if config["CONTRACTS_TUTOR_TRAINING_WARNING"] and tutor.id not in trained_tutor_ids(
            [tutor.id]):
        warnings.append(f"{tutor.full_name} n’a pas encore terminé le parcours de formation "
                        "« tuteur accueil salarié·e ».")
    limit = config["CONTRACTS_TUTOR_MAX_NEWCOMERS"]
    load = active_load([tutor.id], excluding=contract.id).get(tutor.id, 0)
    if load >= limit:
        warnings.append(f"{tutor.full_name} accompagne déjà {load} personne"
                        f"{'s' if load > 1 else ''} : au-delà de {limit}, le temps de "
                        "tutorat risque de manquer.")
    return warnings


# --- Opening, step by step ----------------------------------------------------------

STEPS = ["personne", "dates", "parties", "livret", "objectifs", "competences", "besoins",
         "recapitulatif"]
STEP_LABELS = {
    "personne": "La personne et le poste",
    "dates": "Les dates",
    "parties": "Tuteur·rice et référent·e",
    "livret": "Le livret",
    "objectifs": "Les objectifs",
    "competences": "La grille de compétences",
    "besoins": "L’accompagnement à la carte",
    "recapitulatif": "Récapitulatif",
}


def _check_editable(actor: User, contract: Contract) -> None:
    if not policy.can_edit(actor, contract):
        raise PermissionDenied("Ce contrat ne peut plus être modifié.")


def _reach(contract: Contract, step: str) -> None:
    """Remember the furthest step of the wizard."""
    if step in STEPS and STEPS.index(step) > STEPS.index(contract.wizard_step):
        contract.wizard_step = step


def _apply(actor: User, contract: Contract, values: dict, detail: str, step: str) -> bool:
    """Set the values; a change to an opened contract makes its signatures lapse."""
    changed = [name for name, value in values.items() if getattr(contract, name) != value]
    for name in changed:
        setattr(contract, name, values[name])
    if changed:
        contract.updated_at = utcnow()
        if not contract.is_draft:
            contract.content_version += 1
        audit(actor, contract, "change", detail)
    next_step = STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]
    _reach(contract, next_step)
    return bool(changed)


@dataclass
class Identity:
    newcomer_name: str
    newcomer_email: str
    job: str
    job_title: str
    contract_type: str


def _check_identity(identity: Identity) -> None:
    if not line(identity.newcomer_name, 120):
        raise ContractError("Indiquez le prénom et le nom de la personne accueillie.",
                            "newcomer_name")
    if identity.job not in JOBS:
        raise ContractError("Choisissez un métier dans la liste.", "job")
    if identity.contract_type not in CONTRACT_TYPES:
        raise ContractError("Choisissez un type de contrat dans la liste.", "contract_type")


def start_contract(actor: User, organisation: Organisation, template: ContractTemplate | None,
                   identity: Identity) -> Contract:
    """Step 1: a draft contract for a newcomer, filled from the template."""
    if organisation not in policy.opening_organisations(actor):
        raise PermissionDenied("Vous ne pouvez pas ouvrir de contrat pour cette organisation.",
                               "organisation_id")
    if template is not None and template not in template_choices(organisation):
        raise ContractError("Choisissez un modèle dans la liste.", "template_id")
    if not identity.job:
        if template is None:
            raise ContractError("Choisissez le métier, ou un modèle de livret qui le donne.",
                                "job")
        identity.job = template.job  # the job of the template chosen, unless another is
    _check_identity(identity)
    contract = Contract(
        organisation=organisation, sector=organisation.sector, template=template,
        status=ContractStatus.DRAFT, created_by_id=actor.id,
        newcomer_name=line(identity.newcomer_name, 120),
        newcomer_email=line(identity.newcomer_email, 254).lower() or None,
        job=identity.job, job_title=line(identity.job_title, 120),
        contract_type=identity.contract_type, wizard_step="dates",
        objectives=[], skills=[], needs=[],
    )
    if actor.has_role(Role.REFERENT) and not policy.is_employer_of(actor, contract):
        contract.referent_id = actor.id  # a referent opens it for a person they support
    if template is not None:
        for name in SECTIONS:
            setattr(contract, name, plain(template.sections.get(name, "")))
        contract.objectives = [
            {"key": new_key("o"), "text": line(o.get("text")), "indicator":
             line(o.get("indicator")), "target_on": ""} for o in template.objectives]
        contract.skills = [
            {"key": new_key("s"), "kind": s.get("kind"), "label": line(s.get("label"))}
            for s in template.skills if s.get("kind") in SKILL_KINDS]
    db.session.add(contract)
    db.session.flush()
    thread.open_thread(contract)
    audit(actor, contract, "change", "Contrat créé (brouillon)")
    db.session.commit()
    return contract


def save_identity(actor: User, contract: Contract, identity: Identity) -> bool:
    _check_editable(actor, contract)
    _check_identity(identity)
    if (contract.start_on is not None and contract.end_on is None
            and identity.contract_type != "cdi"):  # the dates are given: they must still fit
        raise ContractError(
            f"Un contrat « {CONTRACT_TYPES[identity.contract_type]} » a une date de fin, que "
            f"ce contrat n’a pas : indiquez-la d’abord à l’étape « {STEP_LABELS['dates']} », "
            "puis changez le type.", "contract_type")
    changed = _apply(actor, contract, {
        "newcomer_name": line(identity.newcomer_name, 120),
        "newcomer_email": line(identity.newcomer_email, 254).lower() or None,
        "job": identity.job, "job_title": line(identity.job_title, 120),
        "contract_type": identity.contract_type,
    }, "La personne et le poste modifiés", "personne")
    thread.rename_thread(contract)
    db.session.commit()
    return changed


def _save(actor, contract, values, detail, step) -> bool:
    changed = _apply(actor, contract, values, detail, step)
    db.session.commit()
    return changed


@dataclass
class DatesSaved:
    """What saving the dates did: whether they changed, and the meetings re-planned with
    them (as (what, meeting): « moved », « added », « removed »)."""

    changed: bool
    replanned: list[tuple[str, Meeting]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.changed


def save_dates(actor: User, contract: Contract, start: date | None, end: date | None,
               months: int | None) -> DatesSaved:
    """Start, end (none for a CDI) and length of the accompaniment. On an open contract,
    the default meetings not recorded yet follow the new dates (replan_meetings)."""
    _check_editable(actor, contract)
    if problem := schedule.check_dates(start, end):
        raise ContractError(problem[1], problem[0])
    if months is None or not 1 <= months <= 24:
        raise ContractError("L’accompagnement dure de 1 à 24 mois.", "accompaniment_months")
    if end is None and contract.contract_type != "cdi":
        raise ContractError("Indiquez la date de fin du contrat (seul un CDI n’en a pas).",
                            "end_on")
    changed = _apply(actor, contract, {"start_on": start, "end_on": end,
                                       "accompaniment_months": months},
                     "Dates du contrat modifiées", "dates")
    replanned = replan_meetings(contract) if changed and contract.is_active else []
    if replanned:
        audit(actor, contract, "change", "Rencontres replanifiées avec les nouvelles dates : "
              + " ; ".join(f"{m.number} {REPLANNED[what]}"
                           + (f" au {m.planned_on.strftime('%d/%m/%Y')}"
                              if what != "removed" else "") for what, m in replanned))
    db.session.commit()
    return DatesSaved(changed, replanned)


REPLANNED = {"moved": "déplacée", "added": "ajoutée", "removed": "retirée"}


def replan_meetings(contract: Contract) -> list[tuple[str, Meeting]]:
    """The three default meetings that are not recorded yet follow the contract's dates,
    as at opening (schedule.default_meetings): moved (their first planned date too, so that
    « held on time » counts from the new plan), added when the new plan has one more,
    removed when it has one less. Recorded meetings and extra ones stay as they are. The
    caller commits."""
    plan = dict(schedule.default_meetings(contract.start_on, contract.end_on,
                                          contract.accompaniment_months))
    defaults = {m.kind: m for m in contract.meetings if m.kind in schedule.DEFAULT_KINDS}
    changes = []
    for kind, day in plan.items():
        meeting = defaults.get(kind)
        if meeting is None:
            number = max((m.number for m in contract.meetings), default=0) + 1
            meeting = Meeting(number=number, kind=kind, scheduled_on=day, planned_on=day)
            contract.meetings.append(meeting)
            changes.append(("added", meeting))
        elif not meeting.is_recorded and meeting.held_on is None:
            meeting.scheduled_on = day
            if meeting.planned_on != day:
                meeting.planned_on = day
                meeting.moves += 1
                changes.append(("moved", meeting))
    for kind, meeting in defaults.items():
        if kind not in plan and not meeting.is_recorded and meeting.held_on is None:
            contract.meetings.remove(meeting)
            changes.append(("removed", meeting))
    return sorted(changes, key=lambda change: change[1].number)


UNCHANGED = object()  # save_parties: the newcomer's account stays as it is


def save_parties(actor: User, contract: Contract, tutor_id: int | None,
                 referent_id: int | None, newcomer_id=UNCHANGED) -> bool:
    """The tutor (a member of the organisation), the referent (optional), the
    newcomer's account (optional; only those who see the organisation's newcomer accounts
    change it). Unknown or foreign ids are refused."""
    _check_editable(actor, contract)
    if newcomer_id is UNCHANGED or not policy.sees_newcomer_accounts(actor, contract):
        newcomer_id = contract.newcomer_id
    tutors = {u.id for u in tutor_choices(contract.organisation)}
    if tutor_id is None:
        raise ContractError("Choisissez le tuteur ou la tutrice.", "tutor_id")
    if tutor_id not in tutors:
        raise ContractError("Choisissez un·e tuteur·rice parmi les membres de l’organisation.",
                            "tutor_id")
    if referent_id is not None and referent_id not in {u.id for u in referent_choices()}:
        raise ContractError("Choisissez un·e référent·e dans la liste.", "referent_id")
    if newcomer_id is not None and newcomer_id != contract.newcomer_id and newcomer_id not in {
            u.id for u in newcomer_choices(contract.organisation)}:
        raise ContractError("Choisissez un compte dans la liste.", "newcomer_id")
    if newcomer_id is None and contract.newcomer_id is not None and contract.is_active:
        newcomer_id = contract.newcomer_id  # an account once linked stays linked
    if not (actor.is_admin or policy.is_employer_of(actor, contract)) and actor.id not in (
            tutor_id, referent_id):
        field = "tutor_id" if contract.tutor_id == actor.id else "referent_id"
        raise ContractError("Après ce changement, vous n’auriez plus accès au contrat : "
                            "demandez à l’employeur·e de le confier à quelqu’un d’autre.", field)
    return _save(actor, contract, {"tutor_id": tutor_id, "referent_id": referent_id,
                                   "newcomer_id": newcomer_id},
                 "Tuteur·rice ou référent·e modifié·e", "parties")


def save_livret(actor: User, contract: Contract, texts: dict[str, str]) -> bool:
    _check_editable(actor, contract)
    return _save(actor, contract, {name: plain(texts.get(name)) for name in SECTIONS},
                 "Livret modifié", "livret")


@dataclass
class Objective:
    key: str
    text: str
    indicator: str
    target_on: date | None


def objective_problems(rows: list[Objective], contract: Contract | None = None
                       ) -> dict[str, str]:
    """Every problem of the objectives' rows, by field name: a row with an indicator or a
    date must say what the objective is; nothing longer than a line is cut without a word;
    a target date stays between 2000 and 2100, and a new one not before the contract's
    start (one kept as it was is never refused after the start moved)."""
    start_on = contract.start_on if contract else None
    kept = {(o["key"], o.get("target_on") or "") for o in contract.objectives} if contract \
        else set()
    problems = {}
    for index, row in enumerate(rows[:MAX_ROWS]):
        text, indicator = line(row.text), line(row.indicator)
        if not text and (indicator or row.target_on is not None):
            problems[f"objectif-{index}-texte"] = (
                "Décrivez l’objectif, ou videz aussi son indicateur et son échéance.")
        for name, value in (("texte", row.text), ("indicateur", row.indicator)):
            if _too_long(value):
                problems[f"objectif-{index}-{name}"] = f"{MAX_LINE} caractères au plus."
        if row.target_on is not None and not schedule.EARLIEST <= row.target_on <= (
                schedule.LATEST):
            problems[f"objectif-{index}-echeance"] = "Saisissez une date entre 2000 et 2100."
        elif (row.target_on is not None and start_on and row.target_on < start_on
              and (row.key, row.target_on.isoformat()) not in kept):
            problems[f"objectif-{index}-echeance"] = (
                "L’échéance ne peut pas précéder le début du contrat, le "
                f"{start_on.strftime('%d/%m/%Y')}.")
    return problems


def save_objectives(actor: User, contract: Contract, rows: list[Objective]) -> bool:
    """Objectives with their indicator and target date; rows left entirely empty are
    dropped, a row with an indicator or a date but no objective is refused."""
    _check_editable(actor, contract)
    if problems := objective_problems(rows, contract):
        name, message = next(iter(problems.items()))
        raise ContractError(message, name)
    known = {o["key"] for o in contract.objectives}
    objectives, used = [], set()
    for row in rows[:MAX_ROWS]:
        text, indicator = line(row.text), line(row.indicator)
        if not text:
            continue
        # A key kept from the contract, once: a forged or copied duplicate gets a new one.
        key = row.key if row.key in known and row.key not in used else new_key("o")
        used.add(key)
        objectives.append({"key": key, "text": text, "indicator": indicator,
                           "target_on": row.target_on.isoformat() if row.target_on else ""})
    return _save(actor, contract, {"objectives": objectives}, "Objectifs modifiés", "objectifs")


@dataclass
class Skill:
    key: str
    kind: str
    label: str


def save_skills(actor: User, contract: Contract, rows: list[Skill]) -> bool:
    """The skills grid (savoir-faire, savoir-être); assessments follow a skill's key."""
    _check_editable(actor, contract)
    known = {s["key"] for s in contract.skills}
    skills, used = [], set()
    for index, row in enumerate(rows[:MAX_ROWS * 2]):
        label = line(row.label)
        if not label:
            continue
        if row.kind not in SKILL_KINDS:
            raise ContractError("Choisissez savoir-faire ou savoir-être.",
                                f"competence-{index}-type")
        # One key per skill: a duplicate (forged, or a copied row) gets its own, so that
        # the meeting form never has two fields with the same id.
        key = row.key if row.key in known and row.key not in used else new_key("s")
        used.add(key)
        skills.append({"key": key, "kind": row.kind, "label": label})
    return _save(actor, contract, {"skills": skills}, "Grille de compétences modifiée",
                 "competences")


def save_needs(actor: User, contract: Contract, needs: list[str], note: str) -> bool:
    _check_editable(actor, contract)
    if any(n not in NEEDS for n in needs):
        raise ContractError("Cochez des besoins de la liste.", "needs")
    ordered = [n for n in NEEDS if n in needs]
    return _save(actor, contract, {"needs": ordered, "needs_note": plain(note)},
                 "Accompagnement à la carte modifié", "besoins")


def missing_for_opening(contract: Contract) -> list[tuple[str, str]]:
    """(step, French message) for what must be filled before the contract opens."""
    missing = []
    if contract.start_on is None:
        missing.append(("dates", "la date de début"))
    if contract.tutor_id is None:
        missing.append(("parties", "le tuteur ou la tutrice"))
    if not contract.skills:
        missing.append(("competences", "au moins une compétence dans la grille"))
    return missing


def open_contract(actor: User, contract: Contract) -> Contract:
    """Open the accompaniment: the three meetings are planned, the contract is « en cours »."""
    _check_editable(actor, contract)
    if not contract.is_draft:
        raise ContractError("Ce contrat est déjà ouvert.")
    if missing := missing_for_opening(contract):
        raise ContractError("Avant d’ouvrir le contrat, indiquez : "
                            + ", ".join(m for _, m in missing) + ".")
    planned = schedule.default_meetings(contract.start_on, contract.end_on,
                                        contract.accompaniment_months)
    contract.meetings = [Meeting(number=n, kind=kind, scheduled_on=day, planned_on=day)
                         for n, (kind, day) in enumerate(planned, start=1)]
    contract.status = ContractStatus.ACTIVE
    contract.opened_at = contract.updated_at = utcnow()
    contract.sector = contract.organisation.sector
    audit(actor, contract, "change",
          f"Contrat ouvert ; {len(planned)} rencontre{'s' if len(planned) > 1 else ''} "
          "planifiée" + ("s" if len(planned) > 1 else ""))
    db.session.commit()
    return contract


# --- Meetings -------------------------------------------------------------------------


def _check_meeting_date(contract: Contract, day: date | None, name: str = "planned_on",
                        kept: tuple = ()) -> None:
    """A meeting's date: within a month of the contract's dates — or a date the meeting
    already has (`kept`), so that saving it again is never refused after the contract's
    dates moved."""
    if day is None:
        raise ContractError("Saisissez une date valide, par exemple 15/03/2027.", name)
    if not schedule.EARLIEST <= day <= schedule.LATEST:
        raise ContractError("Saisissez une date entre 2000 et 2100.", name)
    if day in kept:
        return
    if contract.start_on and day < contract.start_on - timedelta(days=31):
        raise ContractError("La rencontre ne peut pas précéder d’un mois le début du contrat.",
                            name)
    if contract.end_on and day > contract.end_on + timedelta(days=31):
        raise ContractError("La rencontre ne peut pas suivre d’un mois la fin du contrat.", name)
    if contract.end_on is None and contract.start_on and name != "held_on":
        # Without an end (a CDI), a meeting is planned up to six months after the
        # accompaniment; one held later than that is recorded on the day it was held.
        last = schedule.add_months(contract.start_on, contract.accompaniment_months + 6)
        if day > last:
            raise ContractError("La rencontre ne peut pas suivre de plus de six mois la fin "
                                f"de l’accompagnement : le {last.strftime('%d/%m/%Y')} au plus "
                                "tard.", name)


def move_meeting(actor: User, contract: Contract, meeting: Meeting, day: date | None,
                 at: time | None) -> Meeting:
    """Move a planned meeting (and set or clear its time); a meeting held has its date in
    its record."""
    if not policy.can_record(actor, contract):
        raise PermissionDenied("Ce contrat n’est pas en cours : ses rencontres ne changent plus.")
    if meeting.held_on is not None:
        raise ContractError("Cette rencontre a eu lieu : corrigez sa date dans son compte "
                            "rendu.", "planned_on")
    _check_meeting_date(contract, day, kept=(meeting.planned_on,))
    if (meeting.planned_on, meeting.planned_at) != (day, at):
        meeting.planned_on, meeting.planned_at = day, at
        meeting.moves += 1
        audit(actor, contract, "change", f"Rencontre {meeting.number} déplacée")
        db.session.commit()
    return meeting


def add_meeting(actor: User, contract: Contract, day: date | None, at: time | None) -> Meeting:
    """An extra meeting (when a difficulty appears, or at anyone's request)."""
    if not policy.can_record(actor, contract):
        raise PermissionDenied("Ce contrat n’est pas en cours : ajout de rencontre impossible.")
    _check_meeting_date(contract, day)
    if len(contract.meetings) >= MAX_ROWS:
        raise ContractError(f"{MAX_ROWS} rencontres au plus par contrat.", "planned_on")
    number = max((m.number for m in contract.meetings), default=0) + 1
    meeting = Meeting(number=number, kind="extra", scheduled_on=day, planned_on=day,
                      planned_at=at)
    contract.meetings.append(meeting)
    audit(actor, contract, "change", f"Rencontre supplémentaire {number} ajoutée")
    db.session.commit()
    return meeting


@dataclass
class MeetingRecord:
    held_on: date | None
    attendees: list[str] = field(default_factory=list)
    assessments: dict[str, dict] = field(default_factory=dict)
    objectives_status: dict[str, str] = field(default_factory=dict)
    points_acquired: str = ""
    progress_axes: str = ""
    decisions: str = ""


def previous_record(contract: Contract, meeting: Meeting) -> Meeting | None:
    """The latest recorded meeting before this one: the form starts from it."""
    earlier = [m for m in contract.meetings if m.is_recorded and m.id != meeting.id
               and (m.held_on or m.planned_on) <= (meeting.held_on or meeting.planned_on)]
    return max(earlier, key=lambda m: (m.held_on or m.planned_on, m.number), default=None)


def _attendees(names: list[str]) -> list[str]:
    """Who was there: each person once (a forged form may repeat them), at most MAX_ROWS."""
    kept = []
    for name in names:
        name = line(name, 160)
        if name and name.casefold() not in {k.casefold() for k in kept}:
            kept.append(name)
    return kept[:MAX_ROWS]


def record_meeting(actor: User, contract: Contract, meeting: Meeting,
                   record: MeetingRecord, today: date) -> bool:
    """Save the shared record of a meeting; a change to a signed record makes its
    acknowledgements lapse."""
    if not policy.can_record(actor, contract):
        raise PermissionDenied("Ce contrat n’est pas en cours : ses rencontres ne changent plus.")
    _check_meeting_date(contract, record.held_on, "held_on",
                        kept=(meeting.held_on, meeting.planned_on))
    if record.held_on > today:
        raise ContractError("La rencontre ne peut pas avoir eu lieu après aujourd’hui.",
                            "held_on")
    skills = {s["key"] for s in contract.skills}
    assessments = {}
    for key, value in record.assessments.items():
        if key not in skills:
            continue  # a skill removed from the grid, or a forged one
        level = value.get("level") or ""
        if level and level not in LEVELS:
            raise ContractError("Choisissez un niveau de l’échelle.", f"niveau-{key}")
        if len(" ".join(plain(value.get("comment")).split())) > MAX_COMMENT:
            raise ContractError(f"{MAX_COMMENT} caractères au plus pour le commentaire.",
                                f"commentaire-{key}")
        comment = line(value.get("comment"), MAX_COMMENT)
        if level or comment:
            assessments[key] = {"level": level, "comment": comment}
    objectives = {o["key"] for o in contract.objectives}
    states = {}
    for key, state in record.objectives_status.items():
        if key in objectives and state:
            if state not in OBJECTIVE_STATES:
                raise ContractError("Choisissez un état de la liste.", f"objectif-{key}")
            states[key] = state
    values = {
        "held_on": record.held_on,
        "attendees": _attendees(record.attendees),
        "assessments": assessments, "objectives_status": states,
        "points_acquired": plain(record.points_acquired),
        "progress_axes": plain(record.progress_axes), "decisions": plain(record.decisions),
    }
    changed = [n for n, v in values.items() if getattr(meeting, n) != v]
    if not changed and meeting.is_recorded:
        return False
    for name in changed:
        setattr(meeting, name, values[name])
    meeting.record_version += 1
    meeting.recorded_by_id, meeting.recorded_at = actor.id, utcnow()
    audit(actor, contract, "change", f"Compte rendu de la rencontre {meeting.number} "
          + ("modifié" if meeting.record_version > 1 else "enregistré"))
    db.session.commit()
    return True


# --- Acknowledgements ----------------------------------------------------------------


def valid_signatures(contract: Contract, meeting: Meeting | None = None) -> dict[str, Signature]:
    """The acknowledgements that still hold, by party."""
    version = meeting.record_version if meeting else contract.content_version
    meeting_id = meeting.id if meeting else None
    found = {}
    for signature in contract.signatures:
        if signature.meeting_id == meeting_id and signature.version == version:
            found[signature.party] = signature
    return found


def lapsed_signatures(contract: Contract, meeting: Meeting | None = None) -> list[Signature]:
    """Acknowledgements given to an earlier version and not renewed since."""
    valid = valid_signatures(contract, meeting)
    meeting_id = meeting.id if meeting else None
    latest: dict[str, Signature] = {}
    for signature in contract.signatures:
        if signature.meeting_id == meeting_id and signature.party not in valid:
            latest[signature.party] = signature
    return list(latest.values())


def sign(actor: User, contract: Contract, party: str, meeting: Meeting | None = None
         ) -> Signature:
    """Acknowledge the contract (or a meeting record) for a party, time-stamped."""
    parties = contract.meeting_parties() if meeting else contract.parties()
    if party not in parties or not policy.can_sign(actor, contract, party):
        raise PermissionDenied("Vous ne pouvez pas signer pour cette partie.")
    if meeting is not None and not meeting.is_recorded:
        raise ContractError("Le compte rendu de cette rencontre n’est pas encore écrit.")
    if party in valid_signatures(contract, meeting):
        raise ContractError("C’est déjà signé pour cette version.")
    version = meeting.record_version if meeting else contract.content_version
    signature = Signature(contract_id=contract.id, meeting_id=meeting.id if meeting else None,
                          party=party, version=version, user_id=actor.id,
                          signer_name=actor.full_name)
    if party == "newcomer" and contract.newcomer_id is None:
        signature.signer_name = contract.newcomer_name
        signature.in_presence_of = actor.full_name
    elif party == "employer":
        signature.signer_name = f"{actor.full_name} ({contract.organisation.name})"
    db.session.add(signature)
    what = f"la rencontre {meeting.number}" if meeting else "le contrat"
    presence = f" en présence de {actor.full_name}" if signature.in_presence_of else ""
    audit(actor, contract, "sign", f"{CONTRACT_PARTIES[party]} a signé {what} "
          f"(version {version}){presence}")
    db.session.commit()
    return signature


# --- Closing ------------------------------------------------------------------------


def close_contract(actor: User, contract: Contract, outcome: str, reason: str,
                   closed_on: date | None, today: date | None = None) -> Contract:
    """End the accompaniment with its outcome: « terminé », or « interrompu » when the
    person left early (the reason is then required) or never took the job — the one
    outcome possible before the start."""
    if not policy.can_close(actor, contract):
        raise PermissionDenied("Seul un contrat en cours peut être clôturé.")
    today = today or utcnow().date()
    if outcome not in OUTCOMES:
        raise ContractError("Choisissez l’issue de l’accompagnement.", "outcome")
    if closed_on is None:
        raise ContractError("Saisissez une date valide.", "closed_on")
    if closed_on < schedule.EARLIEST:
        raise ContractError("Saisissez une date entre 2000 et 2100.", "closed_on")
    if closed_on > today:
        raise ContractError("La date de fin ne peut pas être après aujourd’hui.", "closed_on")
    start = contract.start_on
    if outcome != NO_SHOW and start is not None:
        begins = start.strftime("%d/%m/%Y")
        if start > today:
            raise ContractError(f"Le contrat commence le {begins} : avant cette date, la "
                                "seule issue possible est « N’a pas pris son poste ».",
                                "outcome")
        if closed_on < start:
            raise ContractError(f"La fin de l’accompagnement ne peut pas précéder son début "
                                f"(le {begins}). Si la personne n’est jamais venue, "
                                "choisissez « N’a pas pris son poste ».", "closed_on")
    held = [m.held_on for m in contract.meetings if m.held_on is not None]
    if held and outcome == NO_SHOW:
        raise ContractError(f"Une rencontre a eu lieu le {min(held).strftime('%d/%m/%Y')} : la "
                            "personne a pris son poste. Choisissez une autre issue.", "outcome")
    if held and closed_on < max(held):
        raise ContractError(f"La rencontre du {max(held).strftime('%d/%m/%Y')} a eu lieu après "
                            "cette date : la fin de l’accompagnement ne peut pas la précéder.",
                            "closed_on")
    reason = plain(reason, 2000)  # the form refuses more
    if outcome == "depart-anticipe" and not reason:
        raise ContractError("Indiquez la raison du départ anticipé.", "reason")
    contract.outcome, contract.outcome_reason, contract.closed_on = outcome, reason, closed_on
    contract.status = OUTCOMES[outcome][1]
    contract.updated_at = utcnow()
    audit(actor, contract, "change", f"Contrat clôturé : {OUTCOMES[outcome][0]}")
    db.session.commit()
    return contract


def delete_draft(actor: User, contract: Contract) -> None:
    """Delete a draft (opened by mistake, or for a person who will not come): its names,
    texts and private thread are erased at once; the row stays as the holder of its audit
    log, which says who deleted it, and nobody sees it any more (policy.can_view)."""
    if not policy.can_delete(actor, contract):
        raise PermissionDenied("Seul un brouillon peut être supprimé, par un·e employeur·e "
                               "de la structure ou la personne qui l’a ouvert.")
    stored_files = thread.erase_thread(contract)
    anonymise(contract)
    contract.status = ContractStatus.DELETED
    contract.updated_at = utcnow()
    audit(actor, contract, "change", "Brouillon supprimé : nom, textes et fil privé effacés")
    db.session.commit()
    storage = files.storage()
    for key in stored_files:  # after the commit: a rollback never loses a file still shown
        storage.delete(key)


# --- The newcomer's own account -----------------------------------------------------


def invite_newcomer(actor: User, contract: Contract, email: str) -> str:
    """Give the newcomer their contract to see and acknowledge, by e-mail.

    The address of a newcomer of the organisation: the contract is linked to that account
    at once ("linked"). The address of another member: refused (a newcomer has the role
    « nouveau·elle salarié·e »). Any other address: an invitation to join the organisation
    with that role ("invited"), and the contract is linked when they first open « Mes
    accompagnements » after accepting it — with a new account or one they already have
    elsewhere (which the employer is not told: it is not theirs to know).
    """
    if not policy.can_invite_newcomer(actor, contract):
        raise PermissionDenied("Vous ne pouvez pas inviter cette personne.")
    email = line(email, 254).lower()
    if not email or "@" not in email:
        raise ContractError("Saisissez l’adresse e-mail de la personne.", "email")
    member = db.session.execute(
        select(Membership.role, User.id).join(User, User.id == Membership.user_id)
        .where(func.lower(User.email) == email, User.active.is_(True),
               Membership.organisation_id == contract.organisation_id,
               Membership.active.is_(True))
    ).first()
    if member is not None and member.role != Role.NEWCOMER:
        raise ContractError(f"Cette adresse est celle d’un·e membre "
                            f"{wording.de(contract.organisation.name)} qui n’a pas le rôle "
                            "« nouveau·elle salarié·e » : saisissez l’adresse de la personne "
                            "accueillie.",
                            "email")
    contract.newcomer_email = email
    if member is not None:
        contract.newcomer_id = member.id
        audit(actor, contract, "change", "Compte de la personne accueillie relié au contrat")
        db.session.commit()
        return "linked"
    audit(actor, contract, "change", "Invitation de la personne accueillie à son contrat")
    db.session.flush()
    try:
        accounts.invite(actor, contract.organisation, email, Role.NEWCOMER,
                        contract.newcomer_name)
    except accounts.AccountError as error:
        db.session.rollback()
        raise ContractError(error.message, "email") from error
    return "invited"


def link_newcomer_accounts(user: User) -> int:
    """Give a newcomer their contracts: drafts or open contracts of the organisations
    where they are a newcomer, written with their e-mail and not linked yet."""
    organisations = [m.organisation_id for m in user.active_memberships
                     if m.role == Role.NEWCOMER]
    if not organisations:
        return 0
    contracts = db.session.scalars(select(Contract).where(
        Contract.organisation_id.in_(organisations), Contract.newcomer_id.is_(None),
        func.lower(Contract.newcomer_email) == user.email.lower(),
        Contract.anonymised_at.is_(None))).all()
    for contract in contracts:
        contract.newcomer_id = user.id
        audit(user, contract, "change", "Compte de la personne accueillie relié au contrat")
    if contracts:
        db.session.commit()
    return len(contracts)


# --- Templates -----------------------------------------------------------------------


@dataclass
class TemplateContent:
    title: str
    job: str
    summary: str
    sections: dict[str, str]
    objectives: list[dict]
    skills: list[dict]


def _fill_template(template: ContractTemplate, content: TemplateContent) -> None:
    if not line(content.title, 200):
        raise ContractError("Donnez un titre au modèle.", "title")
    if content.job not in JOBS:
        raise ContractError("Choisissez un métier dans la liste.", "job")
    template.title, template.job = line(content.title, 200), content.job
    template.summary = line(content.summary, 600)
    template.sections = {name: plain(content.sections.get(name)) for name in SECTIONS}
    template.objectives = _template_objectives(content.objectives)
    template.skills = _template_skills(content.skills)
    template.updated_at = utcnow()


def _where(row: dict, number: int) -> str:
    """« Ligne 3 » of the text box (or the row's rank in a file)."""
    return f"Ligne {row.get('line', number)}"


def _too_long(text: str | None) -> bool:
    return len(" ".join(plain(text).split())) > MAX_LINE


def _template_objectives(rows: list[dict]) -> list[dict]:
    """A template's objectives: nothing typed is dropped or cut without a word."""
    objectives = []
    for number, row in enumerate(rows, start=1):
        text, indicator = line(row.get("text")), line(row.get("indicator"))
        if not text and not indicator:
            continue
        if not text:
            raise ContractError(f"{_where(row, number)} : écrivez l’objectif avant la barre "
                                "verticale « | », ou retirez la ligne.", "objectives")
        if _too_long(row.get("text")) or _too_long(row.get("indicator")):
            raise ContractError(f"{_where(row, number)} : {MAX_LINE} caractères au plus pour "
                                "l’objectif, et autant pour l’indicateur.", "objectives")
        objectives.append({"text": text, "indicator": indicator})
    if len(objectives) > MAX_ROWS:
        raise ContractError(f"{MAX_ROWS} objectifs au plus par modèle.", "objectives")
    return objectives


def _template_skills(rows: list[dict]) -> list[dict]:
    skills, counts = [], dict.fromkeys(SKILL_KINDS, 0)
    for number, row in enumerate(rows, start=1):
        kind, label = row.get("kind"), line(row.get("label"))
        if not label:
            continue
        if kind not in SKILL_KINDS:
            raise ContractError("Choisissez savoir-faire ou savoir-être.", "savoir_faire")
        field = kind.replace("-", "_")
        if _too_long(row.get("label")):
            raise ContractError(f"{_where(row, number)} : {MAX_LINE} caractères au plus par "
                                "compétence.", field)
        counts[kind] += 1
        if counts[kind] > MAX_ROWS:
            raise ContractError(f"{MAX_ROWS} compétences au plus par rubrique.", field)
        skills.append({"kind": kind, "label": label})
    return skills


def create_template(actor: User, content: TemplateContent,
                    organisation: Organisation | None = None) -> ContractTemplate:
    """A new shared template (trainers, admins) or an organisation's own (its employers)."""
    template = ContractTemplate(organisation=organisation, created_by_id=actor.id)
    if not policy.can_edit_template(actor, template):
        raise PermissionDenied("Vous ne pouvez pas écrire ce modèle.")
    _fill_template(template, content)
    db.session.add(template)
    db.session.commit()
    return template


def save_template(actor: User, template: ContractTemplate, content: TemplateContent) -> None:
    if not policy.can_edit_template(actor, template):
        raise PermissionDenied("Vous ne pouvez pas modifier ce modèle.")
    _fill_template(template, content)
    db.session.commit()


def set_template_published(actor: User, template: ContractTemplate, published: bool) -> None:
    """Offer a shared template to every employer (and as a blank livret in /outils)."""
    if not template.is_shared or not policy.can_edit_template(actor, template):
        raise PermissionDenied("Seul·es les formateur·rices publient les modèles partagés.")
    template.published = published
    template.updated_at = utcnow()
    if not published:
        template.in_toolbox = False  # only a published template is offered in /outils
    db.session.commit()


def set_template_in_toolbox(actor: User, template: ContractTemplate, offered: bool) -> None:
    """Offer a published shared template in the toolbox (/outils) as a blank livret to
    print, or withdraw it from there."""
    if not template.is_shared or not policy.can_edit_template(actor, template):
        raise PermissionDenied("Seul·es les formateur·rices proposent les modèles partagés "
                               "dans la boîte à outils.")
    if offered and not template.published:
        raise ContractError("Publiez d’abord le modèle : seul un modèle publié va dans la "
                            "boîte à outils.")
    if template.in_toolbox != offered:
        template.in_toolbox = offered
        template.toolbox_since = utcnow() if offered else None
        db.session.commit()


def copy_template(actor: User, template: ContractTemplate,
                  organisation: Organisation) -> ContractTemplate:
    """An employer's own copy of a shared template, to adapt to their organisation."""
    if organisation not in policy.copying_organisations(actor) or not (
            policy.can_view_template(actor, template)):
        raise PermissionDenied("Vous ne pouvez pas copier ce modèle pour cette organisation.")
    copy = ContractTemplate(
        organisation=organisation, source=template, created_by_id=actor.id,
        title=f"{template.title} — {organisation.name}"[:200], job=template.job,
        summary=template.summary, sections=dict(template.sections),
        objectives=[dict(o) for o in template.objectives],
        skills=[dict(s) for s in template.skills],
    )
    db.session.add(copy)
    db.session.commit()
    return copy


def upsert_shared_template(slug: str, content: TemplateContent) -> ContractTemplate:
    """A shipped template (content/contracts/), published; the same slug updates it."""
    template = db.session.scalar(select(ContractTemplate).where(ContractTemplate.slug == slug))
    if template is None:  # shipped: offered in /outils too, until a trainer withdraws it
        template = ContractTemplate(slug=slug, in_toolbox=True, toolbox_since=utcnow())
        db.session.add(template)
    _fill_template(template, content)
    template.published = True
    db.session.commit()
    return template


# --- Daily commands --------------------------------------------------------------------


def _party_accounts(contract: Contract) -> list[User]:
    people = [contract.tutor, contract.referent, contract.newcomer]
    seen, result = set(), []
    for person in people:
        if person is not None and person.active and person.id not in seen:
            seen.add(person.id)
            result.append(person)
    return result


def send_reminders(today: date) -> int:
    """E-mail the parties about meetings due within the window and overdue ones.

    Idempotent: each (meeting, person, kind, planned date) is mailed once, so a
    second run the same day sends nothing, and a moved meeting is announced again.
    """
    window = today + timedelta(days=current_app.config["CONTRACTS_REMINDER_DAYS"])
    meetings = db.session.scalars(
        select(Meeting).join(Meeting.contract)
        .options(joinedload(Meeting.contract).options(
            joinedload(Contract.tutor), joinedload(Contract.referent),
            joinedload(Contract.newcomer), selectinload(Contract.meetings)))
        .where(Contract.status == ContractStatus.ACTIVE, Meeting.held_on.is_(None),
               Meeting.planned_on <= window)
        .order_by(Meeting.planned_on)
    ).all()
    sent_keys = {tuple(row) for row in db.session.execute(
        select(Reminder.meeting_id, Reminder.user_id, Reminder.kind, Reminder.planned_on)
        .where(Reminder.meeting_id.in_([m.id for m in meetings]))
    )} if meetings else set()
    sent = 0
    with one_connection():
        for meeting in meetings:
            kind = "overdue" if meeting.planned_on < today else "due"
            for person in _party_accounts(meeting.contract):
                key = (meeting.id, person.id, kind, meeting.planned_on)
                if key in sent_keys:
                    continue
                # The row first: a crash after it loses one e-mail, never sends two.
                row = Reminder(meeting_id=meeting.id, user_id=person.id, kind=kind,
                               planned_on=meeting.planned_on)
                db.session.add(row)
                db.session.commit()
                try:
                    _mail_reminder(person, meeting, kind)
                except (OSError, smtplib.SMTPException):
                    log.exception("Reminder to user %s not sent; tried again next run",
                                  person.id)
                    db.session.delete(row)  # not sent, as far as we know: the next run tries
                    db.session.commit()
                    continue
                sent += 1
    return sent


def _mail_reminder(person: User, meeting: Meeting, kind: str) -> None:
    contract = meeting.contract
    subject = ("Rencontre en retard" if kind == "overdue" else "Rencontre à venir") + (
        f" : {meeting.kind_label.lower()} du {meeting.planned_on.strftime('%d/%m/%Y')}")
    send_mail(person.email, subject, "contract_reminder", person=person, meeting=meeting,
              contract=contract, overdue=kind == "overdue",
              link=external_url("onboarding.meeting", ref=contract.ref, number=meeting.number))


def anonymise(contract: Contract) -> None:
    """Remove names and free text; keep what the anonymous figures count."""
    contract.newcomer_name = ANONYMOUS
    contract.newcomer_email = None
    contract.newcomer_id = contract.tutor_id = contract.referent_id = None
    contract.created_by_id = None
    contract.job_title = ""
    for name in SECTIONS:
        setattr(contract, name, "")
    contract.objectives = [{"key": o["key"], "text": "", "indicator": "", "target_on": ""}
                           for o in contract.objectives]
    contract.skills = [{"key": s["key"], "kind": s["kind"], "label": ""} for s in contract.skills]
    contract.needs_note = contract.outcome_reason = ""
    for meeting in contract.meetings:
        meeting.attendees = []
        meeting.assessments = {k: {"level": v.get("level", ""), "comment": ""}
                               for k, v in meeting.assessments.items()}
        meeting.points_acquired = meeting.progress_axes = meeting.decisions = ""
        meeting.recorded_by_id = None
    contract.signatures = []
    contract.anonymised_at = utcnow()


def purge(closed_before: date, by_retention: bool = True) -> int:
    """Anonymise the contracts closed before that date; returns how many. The audit log
    says why: the retention period, or a date chosen by whoever ran the command."""
    why = ("durée de conservation atteinte" if by_retention
           else f"clôturé avant le {closed_before.strftime('%d/%m/%Y')}, date donnée à la purge")
    contracts = db.session.scalars(
        select(Contract).where(
            Contract.status.in_([ContractStatus.COMPLETED, ContractStatus.INTERRUPTED]),
            Contract.closed_on < closed_before, Contract.anonymised_at.is_(None))
    ).all()
    stored_files = []
    for contract in contracts:
        anonymise(contract)
        stored_files += thread.erase_thread(contract)
        audit(None, contract, "change", f"Contrat anonymisé ({why})")
    if contracts:
        db.session.execute(update(AuditEntry).where(
            AuditEntry.contract_id.in_([c.id for c in contracts]),
            AuditEntry.user_id.is_not(None)).values(user_id=None))
    db.session.commit()
    storage = files.storage()
    for key in stored_files:  # after the commit: a rollback never loses a file still shown
        storage.delete(key)
    return len(contracts)
