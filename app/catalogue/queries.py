"""Reading the catalogue: modules with counts and one person's progress, in a few queries."""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.catalogue.models import (
    DURATIONS,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Question,
    QuestionAnswer,
)
from app.extensions import db


@dataclass
class ModuleProgress:
    lessons: int = 0
    steps: int = 0
    done: int = 0
    started: bool = False
    completed: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.steps) if self.steps else 0


def progress_by_module(user_id: int, module_ids: list[int]) -> dict[int, ModuleProgress]:
    """Lessons, steps (lessons + questions) and steps done per module, for one person."""
    result = {module_id: ModuleProgress() for module_id in module_ids}
    if not module_ids:
        return result
    for module_id, count in db.session.execute(
        select(Lesson.module_id, func.count(Lesson.id)).where(Lesson.module_id.in_(module_ids))
        .group_by(Lesson.module_id)
    ):
        result[module_id].lessons = count
        result[module_id].steps += count
    for module_id, count in db.session.execute(
        select(Lesson.module_id, func.count(Question.id)).join(Question.lesson)
        .where(Lesson.module_id.in_(module_ids)).group_by(Lesson.module_id)
    ):
        result[module_id].steps += count
    for enrolment in db.session.scalars(select(Enrolment).where(
            Enrolment.user_id == user_id, Enrolment.module_id.in_(module_ids))):
        result[enrolment.module_id].started = True
        result[enrolment.module_id].completed = enrolment.completed_at is not None
    for module_id, count in db.session.execute(
        select(Enrolment.module_id, func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == user_id, Enrolment.module_id.in_(module_ids))
        .group_by(Enrolment.module_id)
    ):
        result[module_id].done += count
    for module_id, count in db.session.execute(
        select(Enrolment.module_id, func.count(QuestionAnswer.id))
        .join(QuestionAnswer, QuestionAnswer.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == user_id, Enrolment.module_id.in_(module_ids),
               QuestionAnswer.correct_at.is_not(None))
        .group_by(Enrolment.module_id)
    ):
        result[module_id].done += count
    for item in result.values():
        item.done = min(item.done, item.steps)
    return result


def published_modules(audience: str = "", duration: str = "", theme: str = "") -> list[Module]:
    query = select(Module).where(Module.status == "published").order_by(Module.title)
    if audience:
        query = query.where(Module.audience.in_([audience, "tous"]))
    if duration in DURATIONS:
        _, low, high = DURATIONS[duration]
        query = query.where(Module.duration_minutes.between(low, high))
    if theme:
        query = query.where(Module.theme == theme)
    return db.session.scalars(query).all()
