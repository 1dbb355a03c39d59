"""Practice sheets, their revisions, files, adoptions and votes; the taxonomies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User, utcnow
from app.extensions import db


class TaxonomyKind(enum.StrEnum):
    CATEGORY = "category"
    PHASE = "phase"
    SECTOR = "sector"


class TaxonomyTerm(db.Model):
    """A value of a fixed vocabulary (category, phase, sector), editable by admins."""

    __tablename__ = "taxonomy_terms"
    __table_args__ = (UniqueConstraint("kind", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class PracticeStatus(enum.StrEnum):
    DRAFT = "draft"          # never published
    PUBLISHED = "published"  # visible to everyone (a newer revision may be under review)
    ARCHIVED = "archived"


class RevisionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # was published, a later revision replaced it

    @property
    def label(self) -> str:
        return REVISION_STATUS_LABELS[self]


REVISION_STATUS_LABELS = {
    RevisionStatus.DRAFT: "Brouillon",
    RevisionStatus.SUBMITTED: "En relecture",
    RevisionStatus.CHANGES_REQUESTED: "À reprendre",
    RevisionStatus.PUBLISHED: "Publiée",
    RevisionStatus.SUPERSEDED: "Version précédente",
}


class Practice(db.Model):
    """A practice sheet. Its columns hold the published content (what readers and
    search see); each edit is a PracticeRevision reviewed before it is copied here."""

    __tablename__ = "practices"
    __table_args__ = (
        Index("ix_practices_listing", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PracticeStatus.DRAFT)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(40))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    adoption_count: Mapped[int] = mapped_column(default=0)
    useful_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # SHA-256 of the content file last imported, to tell web edits from file edits.
    imported_hash: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[PracticeRevision]] = relationship(
        back_populates="practice", order_by="PracticeRevision.number",
        cascade="all, delete-orphan",
    )
    files: Mapped[list[PracticeFile]] = relationship(
        back_populates="practice", order_by="PracticeFile.created_at",
        cascade="all, delete-orphan",
    )
    tag_rows: Mapped[list[PracticeTag]] = relationship(cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == PracticeStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Practice {self.slug!r}>"


class PracticeRevision(db.Model):
    __tablename__ = "practice_revisions"
    __table_args__ = (UniqueConstraint("practice_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=RevisionStatus.DRAFT, index=True)
    origin: Mapped[str] = mapped_column(String(16), default="web")  # web, import, inventory
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    phase: Mapped[str] = mapped_column(String(40))
    sector: Mapped[str] = mapped_column(String(40))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_comment: Mapped[str | None] = mapped_column(Text)

    practice: Mapped[Practice] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def status_label(self) -> str:
        return RevisionStatus(self.status).label

    @property
    def is_open(self) -> bool:
        """Still being written or reviewed: edits go into this revision."""
        return self.status in (RevisionStatus.DRAFT, RevisionStatus.SUBMITTED,
                               RevisionStatus.CHANGES_REQUESTED)


class PracticeTag(db.Model):
    """One tag of a published sheet, for facet counts."""

    __tablename__ = "practice_tags"
    __table_args__ = (UniqueConstraint("practice_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60), index=True)


class PracticeFile(db.Model):
    """A tool attached to a sheet: checklist, template, livret…"""

    __tablename__ = "practice_files"
    # An id is never given again to another file: links in e-mails and bookmarks stay true.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    filename: Mapped[str] = mapped_column(String(160))
    extension: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="files")


class Adoption(db.Model):
    """"Nous le faisons aussi": an organisation says it uses this practice too."""

    __tablename__ = "practice_adoptions"
    __table_args__ = (UniqueConstraint("practice_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class UsefulVote(db.Model):
    """"Cette fiche vous a-t-elle été utile ?": one answer per person."""

    __tablename__ = "practice_votes"
    __table_args__ = (UniqueConstraint("practice_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    useful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
