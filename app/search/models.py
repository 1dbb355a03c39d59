"""The search outbox: index changes written in the same transaction as the data."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import utcnow
from app.extensions import db


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))  # "practice:12", "tool:5"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchThesaurus(db.Model):
    """The thesaurus as edited by an admin (one row); without it, content/search/synonyms.yml."""

    __tablename__ = "search_thesaurus"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
