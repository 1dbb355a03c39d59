"""People, organisations, memberships, invitations and login bookkeeping."""

from __future__ import annotations

import enum
import unicodedata
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db

NAME_KEY_LENGTH = 240


def folded(text: str) -> str:
    """Lower case without accents, as people type a name: « heloise » finds « Héloïse »,
    « laetitia » « Lætitia », « d'arc » « D’Arc » (SQLite's lower() knows only ASCII, and
    neither database drops accents)."""
    spelled = (text or "").casefold().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def utcnow() -> datetime:
    """Naive UTC: the same value on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class OrganisationKind(enum.StrEnum):
    EMPLOYER = "employer"
    SUPPORT_SERVICE = "support_service"
    TRAINING_BODY = "training_body"
    DEPARTEMENT = "departement"

    @property
    def label(self) -> str:
        return ORGANISATION_KIND_LABELS[self]


ORGANISATION_KIND_LABELS = {
    OrganisationKind.EMPLOYER: "Employeur",
    OrganisationKind.SUPPORT_SERVICE: "Service d’accompagnement",
    OrganisationKind.TRAINING_BODY: "Organisme de formation",
    OrganisationKind.DEPARTEMENT: "Département",
}

SECTOR_LABELS = {
    "ehpad": "EHPAD",
    "domicile": "Aide et accompagnement à domicile",
    "handicap": "Handicap",
}


class Role(enum.StrEnum):
    TUTOR = "tutor"
    EMPLOYER = "employer"
    TRAINER = "trainer"
    REFERENT = "referent"
    NEWCOMER = "newcomer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.TUTOR: "Tuteur·rice",
    Role.EMPLOYER: "Employeur·e / RH",
    Role.TRAINER: "Formateur·rice",
    Role.REFERENT: "Référent·e",
    Role.NEWCOMER: "Nouveau·elle salarié·e",
}
ADMIN_LABEL = "Administrateur·rice"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    sector: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return OrganisationKind(self.kind).label

    @property
    def sector_label(self) -> str:
        return SECTOR_LABELS.get(self.sector or "", "")

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # The name folded (folded()), kept with it: what the account search and the
    # @mention suggestions compare with what was typed, folded the same way.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), default="", server_default="")
    job_title: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # Named `active` so that Flask-Login's `is_active` can read it through a property.
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session of this person at once (logout everywhere,
    # password change, deactivation): it is part of the id stored in cookies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @validates("full_name")
    def _keep_name_key(self, _key: str, value: str) -> str:
        self.name_key = folded(value)[:NAME_KEY_LENGTH]
        return value

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.active]

    def roles_in(self, organisation_id: int) -> set[str]:
        return {m.role for m in self.active_memberships if m.organisation_id == organisation_id}

    def has_role(self, role: Role | str) -> bool:
        return any(m.role == role for m in self.active_memberships)

    def organisations_where(self, role: Role | str) -> list[Organisation]:
        return [m.organisation for m in self.active_memberships if m.role == role]

    @property
    def role_labels(self) -> list[str]:
        labels = [ADMIN_LABEL] if self.is_admin else []
        for membership in self.active_memberships:
            if membership.role_label not in labels:
                labels.append(membership.role_label)
        return labels

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class Invitation(db.Model):
    """A single-use link that lets a person join an organisation with a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    full_name: Mapped[str | None] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    # Only a SHA-256 of the token is kept: a leaked database does not leak live links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def is_pending(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """One failed login for an e-mail address, whether or not an account has it.

    Rows are only ever inserted, so concurrent workers never lose a count.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_failed_at", "email", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
