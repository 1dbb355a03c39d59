"""Inventory campaigns, each employer's answer, and the practices they describe."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organisation, User, utcnow
from app.extensions import db
from app.inventory.questionnaire import Questionnaire, from_data
from app.library.models import Practice


class Campaign(db.Model):
    __tablename__ = "inventory_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    questionnaire_slug: Mapped[str] = mapped_column(String(80))
    # The questionnaire as it was when the campaign opened.
    questionnaire_data: Mapped[dict] = mapped_column(JSON)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answers: Mapped[list[InventoryAnswer]] = relationship(back_populates="campaign")

    @property
    def questionnaire(self) -> Questionnaire:
        return from_data(self.questionnaire_data)

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on


class AnswerStatus:
    DRAFT = "draft"
    SUBMITTED = "submitted"


class InventoryAnswer(db.Model):
    """One organisation's answer to a campaign: a draft saved as they go, then submitted."""

    __tablename__ = "inventory_answers"
    __table_args__ = (UniqueConstraint("campaign_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("inventory_campaigns.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=AnswerStatus.DRAFT)
    # question key → value as typed: a string, or a list for multiple choices.
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    campaign: Mapped[Campaign] = relationship(back_populates="answers")
    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    practices: Mapped[list[DescribedPractice]] = relationship(
        back_populates="answer", order_by="DescribedPractice.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == AnswerStatus.SUBMITTED


class DescribedPractice(db.Model):
    """A practice an employer described in the inventory; a trainer may turn it into a sheet."""

    __tablename__ = "inventory_practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("inventory_answers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    storage_key: Mapped[str | None] = mapped_column(String(80))
    filename: Mapped[str | None] = mapped_column(String(160))
    extension: Mapped[str | None] = mapped_column(String(8))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None]
    practice_id: Mapped[int | None] = mapped_column(
        ForeignKey("practices.id", ondelete="SET NULL"), index=True
    )

    answer: Mapped[InventoryAnswer] = relationship(back_populates="practices")
    practice: Mapped[Practice | None] = relationship()

    @property
    def is_blank(self) -> bool:
        return not (self.title.strip() or self.description.strip() or self.storage_key)
