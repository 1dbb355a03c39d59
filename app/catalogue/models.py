"""Training modules, their lessons and self-check questions, learning paths,
each person's enrolment and progress, and attestations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User, utcnow
from app.extensions import db

AUDIENCES = {
    "tuteur": "Tuteur·rices",
    "employeur": "Employeur·es / RH",
    "referent": "Référent·es",
    "tous": "Tout le monde",
}
DURATIONS = {
    "courte": ("30 min ou moins", 0, 30),
    "moyenne": ("De 31 à 60 min", 31, 60),
    "longue": ("Plus d’une heure", 61, 10_000),
}


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft, published, archived
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    duration_minutes: Mapped[int] = mapped_column(default=30)
    audience: Mapped[str] = mapped_column(String(20), default="tuteur")
    theme: Mapped[str] = mapped_column(String(40), default="formation")
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    intro_md: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    # Bumped at each publication of a change: attestations record the version completed.
    version: Mapped[int] = mapped_column(default=1)
    edited_on_web: Mapped[bool] = mapped_column(default=False)
    imported_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def audience_label(self) -> str:
        return AUDIENCES.get(self.audience, self.audience)


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"),
                                           index=True)
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(default=10)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")

    module: Mapped[Module] = relationship(back_populates="lessons")
    questions: Mapped[list[Question]] = relationship(
        back_populates="lesson", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):
    """A self-check question: single or multiple choice, with an explanation."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="single")  # single, multiple
    choices: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{text, correct}]
    explanation: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[Lesson] = relationship(back_populates="questions")

    @property
    def correct_indexes(self) -> set[int]:
        return {i for i, choice in enumerate(self.choices) if choice.get("correct")}


class LearningPath(db.Model):
    __tablename__ = "learning_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600), default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    imported_hash: Mapped[str | None] = mapped_column(String(64))

    steps: Mapped[list[PathStep]] = relationship(
        order_by="PathStep.position", cascade="all, delete-orphan"
    )


class PathStep(db.Model):
    __tablename__ = "learning_path_steps"
    __table_args__ = (UniqueConstraint("path_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"),
                                         index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship()


class Enrolment(db.Model):
    """One person following one module: started, lessons done, completed."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"),
                                           index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
    lessons_done: Mapped[list[LessonProgress]] = relationship(cascade="all, delete-orphan")
    answers: Mapped[list[QuestionAnswer]] = relationship(cascade="all, delete-orphan")

    @property
    def done_lesson_ids(self) -> set[int]:
        return {p.lesson_id for p in self.lessons_done}

    @property
    def correct_question_ids(self) -> set[int]:
        return {a.question_id for a in self.answers if a.correct_at is not None}


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"),
                                              index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"),
                                           index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionAnswer(db.Model):
    """A person's last answer to a question, and when they first got it right."""

    __tablename__ = "question_answers"
    __table_args__ = (UniqueConstraint("enrolment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"),
                                              index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"),
                                             index=True)
    selected: Mapped[list[int]] = mapped_column(JSON, default=list)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    correct_at: Mapped[datetime | None]


class Attestation(db.Model):
    """Proof of a completed module or path: a snapshot, checkable by its code without
    an account, that shows only what it states."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    path_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_paths.id", ondelete="SET NULL"))
    person_name: Mapped[str] = mapped_column(String(120))
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    completed_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
