"""Discussions: categories, threads, posts and their files, thanks, following,
read markers, notifications, reports and the moderation log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User, utcnow
from app.extensions import db


class Category(db.Model):
    """A place for threads (« Questions de tuteurs »), managed by admins."""

    __tablename__ = "discussion_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(400), default="")
    position: Mapped[int] = mapped_column(default=0)
    # An archived category takes no new thread; its threads stay readable.
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubjectKind(enum.StrEnum):
    """What a thread is about. Public threads may be about a sheet, a module or a lesson;
    private ones belong to a record registered in app/discussions/subjects.py."""

    PRACTICE = "practice"
    MODULE = "module"
    LESSON = "lesson"


class Thread(db.Model):
    __tablename__ = "discussion_threads"
    __table_args__ = (
        Index("ix_discussion_threads_listing", "category_id", "last_post_at"),
        Index("ix_discussion_threads_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a private thread: it lives on its subject's page, in no category.
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_categories.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_type: Mapped[str | None] = mapped_column(String(20))
    subject_id: Mapped[int | None]
    is_private: Mapped[bool] = mapped_column(default=False)
    # "contract:12": at most one private thread per subject.
    private_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    solution_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="SET NULL", use_alter=True))
    solved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    solved_at: Mapped[datetime | None]
    # Posts are numbered from 1 (the question); last_number is the highest given.
    last_number: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)  # replies still shown
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when its question is deleted by its author or hidden by a moderator:
    # the thread then leaves the lists.
    removed_at: Mapped[datetime | None]

    category: Mapped[Category | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    last_author: Mapped[User | None] = relationship(foreign_keys=[last_author_id])
    solved_by: Mapped[User | None] = relationship(foreign_keys=[solved_by_id])
    solution: Mapped[Post | None] = relationship(foreign_keys=[solution_post_id],
                                                 post_update=True)
    posts: Mapped[list[Post]] = relationship(
        back_populates="thread", foreign_keys="Post.thread_id", order_by="Post.number",
        cascade="all, delete-orphan",
    )

    @property
    def is_solved(self) -> bool:
        return self.solution_post_id is not None

    @property
    def is_visible(self) -> bool:
        return self.removed_at is None


class Post(db.Model):
    __tablename__ = "discussion_posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        Index("ix_discussion_posts_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised at save
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]  # by its author: « Message supprimé » stays
    hidden_at: Mapped[datetime | None]  # by a moderator, with a reason
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    thanks_count: Mapped[int] = mapped_column(default=0)

    thread: Mapped[Thread] = relationship(back_populates="posts", foreign_keys=[thread_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    files: Mapped[list[PostFile]] = relationship(
        back_populates="post", order_by="PostFile.id", cascade="all, delete-orphan")
    revisions: Mapped[list[PostRevision]] = relationship(
        order_by="PostRevision.id", cascade="all, delete-orphan")

    @property
    def is_question(self) -> bool:
        return self.number == 1

    @property
    def is_shown(self) -> bool:
        """Its text is shown to readers (not deleted, not hidden)."""
        return self.deleted_at is None and self.hidden_at is None


class PostRevision(db.Model):
    """An earlier text of an edited post: the edit history."""

    __tablename__ = "discussion_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]  # when this text was written (the post, or an earlier edit)


class PostFile(db.Model):
    """A file attached to a post; those of public threads are in the toolbox too."""

    __tablename__ = "discussion_files"
    # An id is never given again to another file: links in e-mails and bookmarks stay true.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    filename: Mapped[str] = mapped_column(String(160))
    extension: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    post: Mapped[Post] = relationship(back_populates="files")


class Thanks(db.Model):
    """« Merci » on a post: one per person."""

    __tablename__ = "discussion_thanks"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subscription(db.Model):
    """A person follows a thread: its replies reach their notifications."""

    __tablename__ = "discussion_subscriptions"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CategoryWatch(db.Model):
    """A person watches a category: each new thread in it reaches their notifications."""

    __tablename__ = "discussion_category_watches"
    __table_args__ = (UniqueConstraint("category_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_categories.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadMarker(db.Model):
    """How far a person has read a thread: the unread markers of the lists."""

    __tablename__ = "discussion_read_markers"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True)
    last_read_number: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationKind(enum.StrEnum):
    REPLY = "reply"              # a reply in a thread one follows
    MENTION = "mention"          # @Prénom Nom
    NEW_THREAD = "new_thread"    # a new thread in a watched category
    SOLUTION = "solution"        # one's post was marked as the useful answer
    MODERATION = "moderation"    # a moderator hid, restored, locked, moved…
    THANKS = "thanks"            # « Merci » on one's post (never e-mailed)
    UNANSWERED = "unanswered"    # for trainers: a question without answer for 48 h


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_user_emailed", "user_id", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")  # a moderator's decision, whole
    # Notifications that must exist once only ("unanswered:12"): a second run adds none.
    once_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Sent by e-mail (at once or in a digest), or decided never to be: never sent twice.
    emailed_at: Mapped[datetime | None]

    thread: Mapped[Thread | None] = relationship()
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class EmailFrequency(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"

    @property
    def label(self) -> str:
        return EMAIL_FREQUENCY_LABELS[self]


EMAIL_FREQUENCY_LABELS = {
    EmailFrequency.IMMEDIATE: "À chaque notification",
    EmailFrequency.DAILY: "Un résumé par jour",
    EmailFrequency.WEEKLY: "Un résumé par semaine",
    EmailFrequency.NEVER: "Jamais",
}
DEFAULT_FREQUENCY = EmailFrequency.DAILY


class NotificationSettings(db.Model):
    """A person's e-mail preference; without a row, the daily digest."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_frequency: Mapped[str] = mapped_column(String(12), default=DEFAULT_FREQUENCY)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


REPORT_REASONS = {
    "inapproprie": "Propos déplacés ou irrespectueux",
    "donnees-personnelles": "Données personnelles sur une personne accompagnée ou un·e "
                            "résident·e",
    "hors-sujet": "Hors sujet",
    "publicite": "Publicité ou spam",
    "autre": "Autre raison",
}


class Report(db.Model):
    """A person signals a post to the moderators."""

    __tablename__ = "discussion_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(16))  # hidden, dismissed

    post: Mapped[Post] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)


MODERATION_LABELS = {
    "hide": "Message masqué",
    "restore": "Message rétabli",
    "dismiss": "Signalement classé sans suite",
    "lock": "Discussion verrouillée",
    "unlock": "Discussion rouverte",
    "pin": "Discussion épinglée",
    "unpin": "Discussion désépinglée",
    "move": "Discussion déplacée",
}


class ModerationAction(db.Model):
    """Every moderation decision, for the moderators' log."""

    __tablename__ = "discussion_moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="SET NULL"), index=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # {"from": "…", "to": "…"}
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
    thread: Mapped[Thread | None] = relationship()

    @property
    def label(self) -> str:
        return MODERATION_LABELS.get(self.action, self.action)
