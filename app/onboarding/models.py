"""Onboarding contracts: templates, contracts, meetings, acknowledgements, reminders, audit.

A contract is personal data about people who may be fragile: it is reached only
through its random `ref` (never its id), and only through `policy.can_view`.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, time

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User, utcnow
from app.extensions import db

REF_LENGTH = 16


def new_ref() -> str:
    """A public identifier that says nothing about how many contracts exist (96 bits)."""
    return secrets.token_urlsafe(12)


def new_key(prefix: str) -> str:
    """A stable key for an objective or a skill, kept when its text is edited."""
    return prefix + secrets.token_hex(4)


JOBS = {
    "aide-soignant": "Aide-soignant·e",
    "ash": "Agent·e de service hospitalier (ASH)",
    "auxiliaire-de-vie": "Auxiliaire de vie sociale",
    "aes": "Accompagnant·e éducatif·ve et social·e (AES)",
    "agent-de-service": "Agent·e de service et d’entretien",
    "autre": "Autre métier",
}

CONTRACT_TYPES = {
    "cdi": "CDI",
    "cdd": "CDD",
    "pec": "PEC / contrat aidé",
    "apprentissage": "Contrat d’apprentissage",
    "professionnalisation": "Contrat de professionnalisation",
    "poei": "POEI / POEC",
    "mise-a-disposition": "Mise à disposition",
}

NEEDS = {
    "mobilite": "Mobilité (permis, transport, véhicule)",
    "garde-enfants": "Garde d’enfants",
    "aide-financiere": "Aide financière au démarrage",
    "formation": "Formation",
    "vae": "Projet de VAE",
}

SKILL_KINDS = {"savoir-faire": "Savoir-faire", "savoir-etre": "Savoir-être"}

# The 4-step scale of the shared evaluation, in order.
LEVELS = {
    "non-acquis": "Non acquis",
    "en-cours": "En cours",
    "acquis": "Acquis",
    "maitrise": "Maîtrisé",
}
LEVEL_RANK = {slug: rank for rank, slug in enumerate(LEVELS)}

OBJECTIVE_STATES = {
    "a-engager": "À engager",
    "en-cours": "En cours",
    "atteint": "Atteint",
    "abandonne": "Abandonné",
}

# The livret's written sections, in the order of the printed document.
SECTIONS = {
    "job_description": "Fiche de poste",
    "conditions": "Conditions d’emploi",
    "roles": "Le rôle de chacun·e",
    "newcomer_skills": "Les compétences de la personne à son arrivée",
}


class ContractStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    # A deleted draft: its names, texts and thread are erased; the row stays, as the
    # holder of its audit log (who opened it, who deleted it). Nobody sees it any more.
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self, "Supprimé")


# The statuses people see and filter by (a deleted draft is never listed).
STATUS_LABELS = {
    ContractStatus.DRAFT: "Brouillon",
    ContractStatus.ACTIVE: "En cours",
    ContractStatus.COMPLETED: "Terminé",
    ContractStatus.INTERRUPTED: "Interrompu",
}
# The contracts that count in lists, loads and figures: opened ones.
OPENED = (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.INTERRUPTED)

# The person never came: the one outcome that may be recorded before the start.
NO_SHOW = "pas-de-prise-de-poste"

# Outcome on closing → the status it gives.
OUTCOMES = {
    "en-poste": ("Toujours en poste", ContractStatus.COMPLETED),
    "fin-de-contrat": ("Fin du contrat de travail", ContractStatus.COMPLETED),
    "formation": ("Entrée en formation", ContractStatus.COMPLETED),
    "vae": ("Démarche de VAE engagée", ContractStatus.COMPLETED),
    "depart-anticipe": ("Départ anticipé", ContractStatus.INTERRUPTED),
    NO_SHOW: ("N’a pas pris son poste", ContractStatus.INTERRUPTED),
}

MEETING_KINDS = {
    "start": "Rencontre de démarrage",
    "one_month": "Rencontre à un mois",
    "final": "Rencontre de bilan",
    "extra": "Rencontre supplémentaire",
}

# Who acknowledges what: the four parties, the contract and each meeting record (the
# employer, not always at a tripartite meeting, acknowledges having read its record).
CONTRACT_PARTIES = {
    "employer": "L’employeur·e",
    "tutor": "Le tuteur ou la tutrice",
    "referent": "Le ou la référent·e",
    "newcomer": "La personne accueillie",
}
MEETING_PARTIES = ("employer", "tutor", "referent", "newcomer")


class ContractTemplate(db.Model):
    """A livret ready to fill: sections, objectives and a skills grid for a job.

    `organisation_id` empty: a shared template written by trainers (published for
    every employer when `published`); set: an employer's own adapted copy.
    """

    __tablename__ = "contract_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True, default=new_ref)
    # Shared templates shipped in content/contracts/ are upserted by slug.
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract_templates.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    job: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(600), default="")
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(default=False)
    # A shared template published can be offered in /outils as a blank livret to print.
    in_toolbox: Mapped[bool] = mapped_column(default=False, server_default=false())
    toolbox_since: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    source: Mapped[ContractTemplate | None] = relationship(remote_side=[id])

    @property
    def is_shared(self) -> bool:
        return self.organisation_id is None

    @property
    def job_label(self) -> str:
        return JOBS.get(self.job, self.job)

    def skills_of(self, kind: str) -> list[dict]:
        return [s for s in self.skills if s.get("kind") == kind]


class Contract(db.Model):
    """The tripartite objectives contract and its livret, for one newcomer."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_organisation_status", "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(REF_LENGTH), unique=True, default=new_ref)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    # Copied at opening: the anonymous aggregates keep it after a purge.
    sector: Mapped[str | None] = mapped_column(String(32))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract_templates.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.DRAFT)
    # The wizard's furthest step reached (its slug), so that a draft resumes there.
    wizard_step: Mapped[str] = mapped_column(String(20), default="personne")

    newcomer_name: Mapped[str] = mapped_column(String(120))
    newcomer_email: Mapped[str | None] = mapped_column(String(254))
    newcomer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    tutor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    referent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    job: Mapped[str] = mapped_column(String(40), default="autre")
    job_title: Mapped[str] = mapped_column(String(120), default="")
    contract_type: Mapped[str] = mapped_column(String(32), default="cdd")
    start_on: Mapped[date | None]
    end_on: Mapped[date | None]
    accompaniment_months: Mapped[int] = mapped_column(default=6)

    job_description: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    roles: Mapped[str] = mapped_column(Text, default="")
    newcomer_skills: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    needs_note: Mapped[str] = mapped_column(Text, default="")

    # Bumped whenever what the parties acknowledged changes: older signatures lapse.
    content_version: Mapped[int] = mapped_column(default=1)
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None]
    opened_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    template: Mapped[ContractTemplate | None] = relationship()
    tutor: Mapped[User | None] = relationship(foreign_keys=[tutor_id])
    referent: Mapped[User | None] = relationship(foreign_keys=[referent_id])
    newcomer: Mapped[User | None] = relationship(foreign_keys=[newcomer_id])
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="contract", order_by="[Meeting.planned_on, Meeting.number]",
        cascade="all, delete-orphan",
    )
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="contract", order_by="Signature.signed_at",
        cascade="all, delete-orphan",
    )

    @property
    def status_label(self) -> str:
        return ContractStatus(self.status).label

    @property
    def is_draft(self) -> bool:
        return self.status == ContractStatus.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status == ContractStatus.ACTIVE

    @property
    def is_closed(self) -> bool:
        return self.status in (ContractStatus.COMPLETED, ContractStatus.INTERRUPTED)

    @property
    def is_deleted(self) -> bool:
        return self.status == ContractStatus.DELETED

    @property
    def job_label(self) -> str:
        return self.job_title or JOBS.get(self.job, self.job)

    @property
    def contract_type_label(self) -> str:
        return CONTRACT_TYPES.get(self.contract_type, self.contract_type)

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome][0] if self.outcome in OUTCOMES else ""

    def skills_of(self, kind: str) -> list[dict]:
        return [s for s in self.skills if s.get("kind") == kind]

    def parties(self) -> list[str]:
        """The parties who acknowledge the contract itself."""
        return [p for p in CONTRACT_PARTIES if p != "referent" or self.referent_id]

    def meeting_parties(self) -> list[str]:
        return [p for p in MEETING_PARTIES if p != "referent" or self.referent_id]

    def next_meeting(self) -> Meeting | None:
        return next((m for m in self.meetings if m.held_on is None), None)

    def overdue_meetings(self, today: date) -> list[Meeting]:
        return [m for m in self.meetings if m.held_on is None and m.planned_on < today]

    def meeting(self, number: int) -> Meeting | None:
        return next((m for m in self.meetings if m.number == number), None)


class Meeting(db.Model):
    """A tripartite meeting: planned at opening (or added), then its shared record."""

    __tablename__ = "contract_meetings"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    # Stable within the contract (used in URLs): 1, 2, 3 at opening, then 4, 5…
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    # The date set at opening, kept for the "held on time" figure when the date moves.
    scheduled_on: Mapped[date]
    planned_on: Mapped[date] = mapped_column(index=True)
    planned_at: Mapped[time | None]  # empty: an all-day event
    moves: Mapped[int] = mapped_column(default=0)  # the .ics SEQUENCE
    held_on: Mapped[date | None]
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    assessments: Mapped[dict] = mapped_column(JSON, default=dict)  # skill key → level, comment
    objectives_status: Mapped[dict] = mapped_column(JSON, default=dict)  # objective key → state
    points_acquired: Mapped[str] = mapped_column(Text, default="")
    progress_axes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    record_version: Mapped[int] = mapped_column(default=0)  # 0: nothing recorded yet
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship(back_populates="meetings")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return MEETING_KINDS.get(self.kind, self.kind)

    @property
    def is_recorded(self) -> bool:
        return self.record_version > 0

    def level(self, skill_key: str) -> str | None:
        return (self.assessments.get(skill_key) or {}).get("level")


class Signature(db.Model):
    """An acknowledgement ("signature") of the contract or of one meeting record.

    It holds while `version` equals the content's current version; a change to
    what was signed makes it lapse (it stays in the history).
    """

    __tablename__ = "contract_signatures"
    __table_args__ = (Index("ix_contract_signatures_contract", "contract_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("contract_meetings.id", ondelete="CASCADE")
    )
    party: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written, so that the history reads the same after an account goes.
    signer_name: Mapped[str] = mapped_column(String(120))
    # A newcomer without an account: marked by the tutor or referent who was there.
    in_presence_of: Mapped[str | None] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="signatures")


class Reminder(db.Model):
    """One reminder e-mail sent: the unique key makes `contracts remind` idempotent."""

    __tablename__ = "contract_reminders"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", "kind", "planned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("contract_meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # due, overdue
    planned_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(db.Model):
    """Who read, changed, exported or signed what of a contract, and when."""

    __tablename__ = "contract_audit"
    __table_args__ = (Index("ix_contract_audit_contract_at", "contract_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))  # read, change, export, sign
    detail: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)


AUDIT_ACTIONS = {
    "read": "Lecture",
    "change": "Modification",
    "export": "Export",
    "sign": "Signature",
}
