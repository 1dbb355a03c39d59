"""Reading the catalogue: modules with counts and one person's progress, in a few queries."""

import statistics
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership, User
from app.catalogue.models import (
    DURATIONS,
    Attestation,
    Enrolment,
    LearningPath,
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


TUTOR_PATH = "parcours-tuteur-accueil"


def trained_tutor_ids(user_ids: list[int]) -> set[int]:
    """« Tuteur·rice formé·e » = has completed the tutor path (the onboarding domain uses it)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(
        select(Attestation.user_id).join(LearningPath, LearningPath.id == Attestation.path_id)
        .where(LearningPath.slug == TUTOR_PATH, Attestation.user_id.in_(user_ids))
    ))


@dataclass
class OrganisationStats:
    name: str
    enrolled: int = 0
    completed: int = 0
    durations: list[float] | None = None

    @property
    def rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0

    @property
    def median_days(self) -> float | None:
        if not self.durations:
            return None
        return round(statistics.median(self.durations), 1)


def module_stats(module: Module) -> list[OrganisationStats]:
    """Enrolments, completion rate and median days to complete, overall then per organisation."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .options(selectinload(Enrolment.user).selectinload(User.memberships)
                 .selectinload(Membership.organisation))
        .where(Enrolment.module_id == module.id)
    ).all()
    overall = OrganisationStats("Ensemble", durations=[])
    by_org: dict[str, OrganisationStats] = {}
    for enrolment in enrolments:
        names = [m.organisation.name for m in enrolment.user.active_memberships]
        names = names or ["Sans organisation"]
        for stats in [overall, *[by_org.setdefault(n, OrganisationStats(n, durations=[]))
                                 for n in names]]:
            stats.enrolled += 1
            if enrolment.completed_at:
                stats.completed += 1
                days = (enrolment.completed_at - enrolment.started_at).total_seconds() / 86400
                stats.durations.append(days)
    return [overall, *sorted(by_org.values(), key=lambda s: s.name)]


def team_training(organisation_id: int, modules: list[Module]):
    """The organisation's tutors × published modules: « terminé », « en cours » or nothing."""
    tutors = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.active.is_(True),
               Membership.role == "tutor", User.active.is_(True))
        .order_by(User.full_name)
    ).all()
    states = {}
    if tutors:
        for enrolment in db.session.scalars(select(Enrolment).where(
                Enrolment.user_id.in_([t.id for t in tutors]))):
            states[(enrolment.user_id, enrolment.module_id)] = (
                "done" if enrolment.completed_at else "started")
    trained = trained_tutor_ids([t.id for t in tutors])
    return tutors, states, trained


def training_summary(user) -> dict:
    """What the home page shows of the training: modules in progress, attestations."""
    enrolments = db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.module))
        .where(Enrolment.user_id == user.id, Enrolment.completed_at.is_(None))
        .order_by(Enrolment.started_at.desc()).limit(3)
    ).all()
    completed = db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None)))
    return {"in_progress": enrolments, "completed": completed,
            "progress": progress_by_module(user.id, [e.module_id for e in enrolments]),
            "trained": user.id in trained_tutor_ids([user.id])}


def teaching_modules(theme: str, limit: int = 3) -> list[Module]:
    """Published modules on a practice sheet's category: « les formations qui l’abordent »."""
    return db.session.scalars(
        select(Module).where(Module.status == "published", Module.theme == theme)
        .order_by(Module.title).limit(limit)
    ).all()
