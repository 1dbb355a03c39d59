"""Following a module: enrol, mark lessons done, answer self-check questions, complete.

A module is completed when every lesson is marked done and every question has
been answered correctly at least once; completing it issues an attestation, and
completing every module of a path issues the path's attestation too.
"""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User, utcnow
from app.catalogue import policy
from app.catalogue.models import (
    Attestation,
    Enrolment,
    LearningPath,
    Lesson,
    LessonProgress,
    Module,
    PathStep,
    Question,
    QuestionAnswer,
)
from app.extensions import db
from app.library.policy import is_reviewer
from app.markup import render_markdown


class CatalogueError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def find_enrolment(user: User, module: Module) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .options(selectinload(Enrolment.lessons_done), selectinload(Enrolment.answers))
        .where(Enrolment.user_id == user.id, Enrolment.module_id == module.id)
    )


def enrol(user: User, module: Module) -> Enrolment:
    """Start a module (again): the existing enrolment is kept."""
    if not policy.can_view(user, module) or not module.is_published:
        raise CatalogueError("Ce module n’est pas ouvert.")
    enrolment = find_enrolment(user, module)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, module_id=module.id)
        db.session.add(enrolment)
        db.session.commit()
    return enrolment


def set_lesson_done(user: User, lesson: Lesson, done: bool) -> Enrolment:
    """Mark a lesson done (or not yet); may complete the module."""
    enrolment = enrol(user, lesson.module)
    existing = next((p for p in enrolment.lessons_done if p.lesson_id == lesson.id), None)
    if done and existing is None:
        enrolment.lessons_done.append(LessonProgress(lesson_id=lesson.id))
    elif not done and existing is not None:
        enrolment.lessons_done.remove(existing)
    db.session.flush()
    _complete_if_done(enrolment, lesson.module, user)
    db.session.commit()
    return enrolment


def answer(user: User, question: Question, selected: list[int]) -> bool:
    """Record an answer; returns whether it is right. May complete the module."""
    module = question.lesson.module
    enrolment = enrol(user, module)
    selected = sorted({i for i in selected if 0 <= i < len(question.choices)})
    if not selected:
        raise CatalogueError("Choisissez au moins une réponse.")
    correct = set(selected) == question.correct_indexes
    record = next((a for a in enrolment.answers if a.question_id == question.id), None)
    if record is None:
        record = QuestionAnswer(question_id=question.id)
        enrolment.answers.append(record)
    record.selected, record.answered_at = selected, utcnow()
    if correct and record.correct_at is None:
        record.correct_at = utcnow()
    db.session.flush()
    _complete_if_done(enrolment, module, user)
    db.session.commit()
    return correct


def progress(enrolment: Enrolment | None, module: Module) -> tuple[int, int]:
    """(steps done, steps in all): lessons plus questions answered right."""
    lesson_ids = {lesson.id for lesson in module.lessons}
    question_ids = {q.id for lesson in module.lessons for q in lesson.questions}
    total = len(lesson_ids) + len(question_ids)
    if enrolment is None:
        return 0, total
    done = len(enrolment.done_lesson_ids & lesson_ids) + len(
        enrolment.correct_question_ids & question_ids)
    return done, total


def _complete_if_done(enrolment: Enrolment, module: Module, user: User) -> None:
    if enrolment.completed_at is not None:
        return
    done, total = progress(enrolment, module)
    if total == 0 or done < total:
        return
    now = utcnow()
    enrolment.completed_at = now
    _attest(user, now, module=module)
    _complete_paths(user, module, now)


def _organisation_name(user: User) -> str:
    return ", ".join(m.organisation.name for m in user.active_memberships)


def new_code() -> str:
    raw = secrets.token_hex(6).upper()
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _attest(user: User, when, module: Module | None = None,
            path: LearningPath | None = None) -> Attestation:
    if path is not None:
        title = path.title
        duration = sum(step.module.duration_minutes for step in path.steps)
    else:
        title, duration = module.title, module.duration_minutes
    attestation = Attestation(
        code=new_code(), user_id=user.id, module_id=module.id if module else None,
        path_id=path.id if path else None, person_name=user.full_name,
        organisation_name=_organisation_name(user), title=title,
        duration_minutes=duration, version=module.version if module else 1, completed_at=when,
    )
    db.session.add(attestation)
    return attestation


def _complete_paths(user: User, module: Module, when) -> None:
    paths = db.session.scalars(
        select(LearningPath).join(PathStep).where(PathStep.module_id == module.id)
        .options(selectinload(LearningPath.steps).selectinload(PathStep.module))
    ).all()
    if not paths:
        return
    completed = set(db.session.scalars(select(Enrolment.module_id).where(
        Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None))))
    completed.add(module.id)
    for path in paths:
        already = db.session.scalar(select(Attestation.id).where(
            Attestation.user_id == user.id, Attestation.path_id == path.id))
        if not already and all(step.module_id in completed for step in path.steps):
            _attest(user, when, path=path)


# --- Trainers: writing modules on the web ---------------------------------------------


def _require_trainer(actor: User) -> None:
    if not is_reviewer(actor):
        raise CatalogueError("Seul·es les formateur·rices et administrateur·rices modifient "
                             "les formations.")


def _touch(module: Module) -> None:
    """A change made on the web: later imports will not overwrite it silently, and a
    published module gets a new version (attestations keep the one completed)."""
    module.edited_on_web = True
    if module.is_published:
        module.version += 1


def save_module(actor: User, module: Module | None, *, title: str, summary: str,
                duration_minutes: int, audience: str, theme: str, objectives: list[str],
                intro_md: str) -> Module:
    """Create (as a draft) or update a module's own fields."""
    _require_trainer(actor)
    if module is None:
        module = Module(slug=_unique_module_slug(title), status="draft")
        db.session.add(module)
    else:
        _touch(module)
    module.title, module.summary = title.strip(), summary.strip()
    module.duration_minutes, module.audience, module.theme = duration_minutes, audience, theme
    module.objectives = [o.strip() for o in objectives if o.strip()]
    module.intro_md, module.intro_html = intro_md, str(render_markdown(intro_md))
    db.session.commit()
    return module


def _unique_module_slug(title: str) -> str:
    from app.library.services import slugify

    base = slugify(title)
    taken = set(db.session.scalars(select(Module.slug).where(Module.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def set_status(actor: User, module: Module, status: str) -> None:
    """Publish, archive, or take back to draft (trainers and admins)."""
    _require_trainer(actor)
    if status not in ("draft", "published", "archived"):
        raise CatalogueError("État inconnu.")
    if status == "published" and not module.lessons:
        raise CatalogueError("Ajoutez au moins une leçon avant de publier le module.")
    empty = [lesson.title for lesson in module.lessons if not lesson.body_md.strip()]
    if status == "published" and empty:
        raise CatalogueError(f"Écrivez le texte de la leçon « {empty[0]} » avant de publier.")
    if status == "published" and module.published_at is None:
        module.published_at = utcnow()
    module.status = status
    db.session.commit()


def save_lesson(actor: User, module: Module, lesson: Lesson | None, *, title: str,
                duration_minutes: int, body_md: str) -> Lesson:
    _require_trainer(actor)
    if lesson is None:
        from app.library.services import slugify

        taken = {existing.slug for existing in module.lessons}
        slug, n = slugify(title), 2
        while slug in taken:
            slug, n = f"{slugify(title)}-{n}", n + 1
        lesson = Lesson(slug=slug, position=len(module.lessons))
        module.lessons.append(lesson)
    lesson.title, lesson.duration_minutes = title.strip(), duration_minutes
    lesson.body_md, lesson.body_html = body_md, str(render_markdown(body_md))
    _touch(module)
    db.session.commit()
    return lesson


def delete_lesson(actor: User, lesson: Lesson) -> None:
    """Remove a lesson; learners keep their progress on the other lessons."""
    _require_trainer(actor)
    module = lesson.module
    module.lessons.remove(lesson)
    for position, remaining in enumerate(module.lessons):
        remaining.position = position
    _touch(module)
    db.session.commit()


def move_lesson(actor: User, lesson: Lesson, offset: int) -> None:
    _require_trainer(actor)
    lessons = list(lesson.module.lessons)
    index = lessons.index(lesson)
    target = index + offset
    if 0 <= target < len(lessons):
        lessons[index], lessons[target] = lessons[target], lessons[index]
        for position, item in enumerate(lessons):
            item.position = position
        _touch(lesson.module)
        db.session.commit()


def parse_choices(text: str) -> list[dict]:
    """One choice per line; a line starting with « * » is a correct answer."""
    choices = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            correct = line.startswith("*")
            choices.append({"text": line.lstrip("*").strip(), "correct": correct})
    return choices


def add_question(actor: User, lesson: Lesson, *, prompt: str, kind: str, choices_text: str,
                 explanation: str) -> Question:
    """Add a self-check question; raises CatalogueError (with the field) when incomplete."""
    _require_trainer(actor)
    choices = parse_choices(choices_text)
    correct = [c for c in choices if c["correct"]]
    if not prompt.strip():
        raise CatalogueError("Écrivez la question.")
    if len(choices) < 2:
        raise CatalogueError("Donnez au moins deux réponses possibles, une par ligne.")
    if not correct:
        raise CatalogueError("Marquez la ou les bonnes réponses d’un astérisque (*).")
    if kind == "single" and len(correct) != 1:
        raise CatalogueError("Une question à réponse unique a exactement une bonne réponse.")
    question = Question(position=len(lesson.questions), prompt=prompt.strip(),
                        kind=kind if kind in ("single", "multiple") else "single",
                        choices=choices, explanation=explanation.strip())
    lesson.questions.append(question)
    _touch(lesson.module)
    db.session.commit()
    return question


def delete_question(actor: User, question: Question) -> None:
    _require_trainer(actor)
    lesson = question.lesson
    lesson.questions.remove(question)
    _touch(lesson.module)
    db.session.commit()
