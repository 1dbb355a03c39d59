"""What a thread can be about.

Public threads may be about a practice sheet, a training module or a lesson: they
sit in a category like any thread and are listed on that page too.

Private threads belong to a record of another domain (an onboarding contract)
that decides who may read them. That domain registers its kind once with
`register_private_subject`; discussions then asks it, never guesses:

- can_view(user, subject_id): may this person read the thread?
- audience(subject_id): the ids of every account that may read it, in one query,
  so that notifications reach nobody else;
- link(subject_id): (label, URL) of the page where the thread lives;
- record(user, subject_id, what): optional, writes what was read or written in its
  own audit log (in the caller's transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.catalogue import policy as catalogue_policy
from app.catalogue.models import Lesson, Module
from app.discussions.models import SubjectKind
from app.extensions import db
from app.library import policy as library_policy
from app.library.models import Practice


@dataclass(frozen=True)
class PrivateSubject:
    label: str  # « Contrat d’accueil »
    can_view: Callable[[User, int], bool]
    audience: Callable[[int], set[int]]
    link: Callable[[int], tuple[str, str]]
    record: Callable[[User, int, str], None] | None = None


def record(user: User, thread, what: str) -> None:
    """Tell a private thread's subject what a person read or wrote in it (its audit log)."""
    subject = private_subject(thread.subject_type) if thread.is_private else None
    if subject is not None and subject.record is not None:
        subject.record(user, thread.subject_id, what)


_PRIVATE: dict[str, PrivateSubject] = {}


def register_private_subject(kind: str, subject: PrivateSubject) -> None:
    """Called once by the domain that owns the kind (at import time)."""
    if kind in {k.value for k in SubjectKind}:
        raise ValueError(f"{kind!r} is a public subject kind")
    _PRIVATE[kind] = subject


def unregister_private_subject(kind: str) -> None:
    _PRIVATE.pop(kind, None)


def private_subject(kind: str | None) -> PrivateSubject | None:
    return _PRIVATE.get(kind or "")


@dataclass(frozen=True)
class Subject:
    """A public page a thread is about, as the thread page shows it."""

    kind: str
    id: int
    title: str
    endpoint: str
    values: tuple[tuple[str, str], ...]
    visible: bool  # the person may see that page

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **dict(self.values))

    @property
    def label(self) -> str:
        return {"practice": "la fiche", "module": "la formation",
                "lesson": "la leçon"}[self.kind]

    @property
    def question_label(self) -> str:
        return {"practice": "Poser une question sur cette fiche",
                "module": "Poser une question sur cette formation",
                "lesson": "Poser une question sur cette leçon"}[self.kind]


def find_public(kind: str | None, subject_id: int | None, user) -> Subject | None:
    """The sheet, module or lesson a public thread is about (one query), or None."""
    if subject_id is None:
        return None
    if kind == SubjectKind.PRACTICE:
        practice = db.session.get(Practice, subject_id)
        if practice is None:
            return None
        return Subject(kind, practice.id, practice.title, "library.detail",
                       (("slug", practice.slug),), library_policy.can_view(user, practice))
    if kind == SubjectKind.MODULE:
        module = db.session.get(Module, subject_id)
        if module is None:
            return None
        return Subject(kind, module.id, module.title, "catalogue.module",
                       (("slug", module.slug),), catalogue_policy.can_view(user, module))
    if kind == SubjectKind.LESSON:
        lesson = db.session.scalar(select(Lesson).options(joinedload(Lesson.module))
                                   .where(Lesson.id == subject_id))
        if lesson is None:
            return None
        return Subject(kind, lesson.id, f"{lesson.title} ({lesson.module.title})",
                       "catalogue.lesson",
                       (("slug", lesson.module.slug), ("lesson_slug", lesson.slug)),
                       catalogue_policy.can_view(user, lesson.module))
    return None


def _slug_arg(args, name: str) -> str:
    """A slug from the query string; anything a slug cannot hold (a NUL…) reads as none."""
    value = args.get(name, "")
    return value if len(value) <= 120 and value.isprintable() else ""


def subject_from_args(args, user) -> Subject | None:
    """?fiche=<slug>, ?formation=<slug> or ?formation=<slug>&lecon=<slug>: what a new
    thread will be about, when the person may see it; None otherwise."""
    module_slug, lesson_slug = _slug_arg(args, "formation"), _slug_arg(args, "lecon")
    practice_slug = _slug_arg(args, "fiche")
    if practice_slug:
        practice = db.session.scalar(select(Practice).where(Practice.slug == practice_slug))
        if practice is not None and practice.is_published:
            return find_public(SubjectKind.PRACTICE, practice.id, user)
    elif module_slug:
        module = db.session.scalar(select(Module).options(joinedload(Module.lessons))
                                   .where(Module.slug == module_slug))
        if module is None or not module.is_published:
            return None
        if lesson_slug:
            lesson = next((le for le in module.lessons if le.slug == lesson_slug), None)
            return find_public(SubjectKind.LESSON, lesson.id, user) if lesson else None
        return find_public(SubjectKind.MODULE, module.id, user)
    return None


QUESTION_LABELS = {
    SubjectKind.PRACTICE: "Poser une question sur cette fiche",
    SubjectKind.MODULE: "Poser une question sur cette formation",
    SubjectKind.LESSON: "Poser une question sur cette leçon",
}


def page_section(kind: SubjectKind, record, module=None) -> dict:
    """What the « Discussion » section of a sheet, module or lesson page shows (two
    queries): its latest threads, how many there are, and where to ask a new one."""
    from app.discussions import queries

    if kind == SubjectKind.PRACTICE:
        threads, total = queries.subject_threads(kind, [record.id])
        new_url = url_for("discussions.new_thread", fiche=record.slug)
    elif kind == SubjectKind.MODULE:
        threads, total = queries.module_threads(record)
        new_url = url_for("discussions.new_thread", formation=record.slug)
    else:
        threads, total = queries.subject_threads(kind, [record.id])
        new_url = url_for("discussions.new_thread", formation=module.slug, lecon=record.slug)
    return {"threads": threads, "total": total, "new_url": new_url,
            "question_label": QUESTION_LABELS[kind]}
