"""URLs under /formations (modules, lessons, paths, « Mes formations») and /attestations."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalogue import bp, policy, queries, services
from app.catalogue.models import (
    AUDIENCES,
    DURATIONS,
    Attestation,
    Enrolment,
    LearningPath,
    Lesson,
    Module,
    PathStep,
    Question,
)
from app.extensions import db
from app.library import taxonomy
from app.web import render, wants_fragment


def get_module(slug: str) -> Module:
    """The module with its lessons and questions, or 404 (drafts are hidden from learners)."""
    module = db.session.scalar(
        select(Module).options(selectinload(Module.lessons).selectinload(Lesson.questions))
        .where(Module.slug == slug)
    )
    if module is None or not policy.can_view(current_user, module):
        abort(404)
    return module


def get_lesson(module: Module, lesson_slug: str) -> Lesson:
    return next((lesson for lesson in module.lessons if lesson.slug == lesson_slug), None) \
        or abort(404)


@bp.get("/formations")
@login_required
def index():
    """The catalogue of published modules, filterable (htmx refreshes the list)."""
    audience = request.args.get("public", "")
    duration = request.args.get("duree", "")
    theme = request.args.get("theme", "")
    modules = queries.published_modules(audience if audience in AUDIENCES else "", duration,
                                        theme if taxonomy.is_valid("category", theme) else "")
    paths = db.session.scalars(
        select(LearningPath).options(selectinload(LearningPath.steps))
        .order_by(LearningPath.title)
    ).all()
    return render(
        "catalogue/index.html", block="modules", modules=modules, paths=paths,
        progress=queries.progress_by_module(current_user.id, [m.id for m in modules]),
        audience=audience, duration=duration, theme=theme, audiences=AUDIENCES,
        durations=DURATIONS, themes=taxonomy.terms("category"), label=taxonomy.label,
    )


@bp.get("/formations/mes-formations")
@login_required
def mine():
    """The person's modules in progress and completed, with what to do next."""
    enrolments = db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.module))
        .where(Enrolment.user_id == current_user.id).order_by(Enrolment.started_at.desc())
    ).all()
    progress = queries.progress_by_module(current_user.id, [e.module_id for e in enrolments])
    attestations = db.session.scalars(
        select(Attestation).where(Attestation.user_id == current_user.id)
        .order_by(Attestation.completed_at.desc())
    ).all()
    return render("catalogue/mine.html", enrolments=enrolments, progress=progress,
                  attestations=attestations)


@bp.get("/formations/parcours/<slug>")
@login_required
def path(slug: str):
    """A learning path: its modules in order and the person's overall progress."""
    learning_path = db.session.scalar(
        select(LearningPath).options(selectinload(LearningPath.steps)
                                     .selectinload(PathStep.module))
        .where(LearningPath.slug == slug)
    ) or abort(404)
    modules = [step.module for step in learning_path.steps if step.module.is_published]
    progress = queries.progress_by_module(current_user.id, [m.id for m in modules])
    attestation = db.session.scalar(select(Attestation).where(
        Attestation.user_id == current_user.id, Attestation.path_id == learning_path.id))
    return render("catalogue/path.html", path=learning_path, modules=modules,
                  progress=progress, attestation=attestation)


@bp.get("/formations/<slug>")
@login_required
def module(slug: str):
    """A module: objectives, lessons with their state, « Commencer » or « Reprendre »."""
    module = get_module(slug)
    enrolment = services.find_enrolment(current_user, module)
    attestation = None
    if enrolment and enrolment.completed_at:
        attestation = db.session.scalar(select(Attestation).where(
            Attestation.user_id == current_user.id, Attestation.module_id == module.id
        ).order_by(Attestation.id.desc()))
    done, total = services.progress(enrolment, module)
    return render("catalogue/module.html", module=module, enrolment=enrolment,
                  done=done, total=total, attestation=attestation,
                  next_lesson=_next_lesson(module, enrolment), label=taxonomy.label)


def _next_lesson(module: Module, enrolment: Enrolment | None) -> Lesson | None:
    """The first unfinished lesson (resume there)."""
    done = enrolment.done_lesson_ids if enrolment else set()
    return next((lesson for lesson in module.lessons if lesson.id not in done),
                module.lessons[0] if module.lessons else None)


@bp.post("/formations/<slug>/commencer")
@login_required
def start(slug: str):
    """Enrol (once) and go to the first unfinished lesson."""
    module = get_module(slug)
    try:
        enrolment = services.enrol(current_user, module)
    except services.CatalogueError as error:
        flash(error.message, "error")
        return redirect(url_for("catalogue.module", slug=slug), 303)
    lesson = _next_lesson(module, enrolment)
    if lesson is None:
        return redirect(url_for("catalogue.module", slug=slug), 303)
    return redirect(url_for("catalogue.lesson", slug=slug, lesson_slug=lesson.slug), 303)


def _lesson_context(module: Module, lesson: Lesson, feedback: dict | None = None) -> dict:
    enrolment = services.find_enrolment(current_user, module)
    index = module.lessons.index(lesson)
    done, total = services.progress(enrolment, module)
    answers = {a.question_id: a for a in enrolment.answers} if enrolment else {}
    return {
        "module": module, "lesson": lesson, "enrolment": enrolment,
        "previous": module.lessons[index - 1] if index > 0 else None,
        "next": module.lessons[index + 1] if index + 1 < len(module.lessons) else None,
        "number": index + 1, "done": done, "total": total,
        "lesson_done": bool(enrolment and lesson.id in enrolment.done_lesson_ids),
        "answers": answers, "feedback": feedback or {},
        "completed": bool(enrolment and enrolment.completed_at),
    }


@bp.get("/formations/<slug>/lecons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    """A lesson: text, previous/next, « J’ai terminé cette leçon », self-check questions."""
    module = get_module(slug)
    return render("catalogue/lesson.html", **_lesson_context(module,
                                                             get_lesson(module, lesson_slug)))


@bp.post("/formations/<slug>/lecons/<lesson_slug>/terminee")
@login_required
def toggle_done(slug: str, lesson_slug: str):
    """Mark the lesson done or not (htmx: the progress block updates in place)."""
    module = get_module(slug)
    current = get_lesson(module, lesson_slug)
    done = request.form.get("fait", "oui") == "oui"
    try:
        enrolment = services.set_lesson_done(current_user, current, done)
    except services.CatalogueError as error:
        flash(error.message, "error")
        return redirect(url_for("catalogue.module", slug=slug), 303)
    if enrolment.completed_at and done:
        flash("Bravo, vous avez terminé ce module ! Votre attestation est prête.", "success")
    if wants_fragment():
        return render("catalogue/lesson.html", block="lesson_progress",
                      **_lesson_context(module, current))
    if done:
        following = _next_lesson(module, enrolment)
        if following is not None and following.id != current.id and not enrolment.completed_at:
            return redirect(url_for("catalogue.lesson", slug=slug,
                                    lesson_slug=following.slug), 303)
        return redirect(url_for("catalogue.module", slug=slug), 303)
    return redirect(url_for("catalogue.lesson", slug=slug, lesson_slug=lesson_slug), 303)


@bp.post("/formations/<slug>/questions/<int:question_id>")
@login_required
def answer(slug: str, question_id: int):
    """Answer a self-check question: immediate feedback with the explanation."""
    module = get_module(slug)
    question = db.session.get(Question, question_id)
    if question is None or question.lesson.module_id != module.id:
        abort(404)
    selected = [int(v) for v in request.form.getlist("choix") if v.isdigit()]
    try:
        correct = services.answer(current_user, question, selected)
    except services.CatalogueError as error:
        feedback = {question.id: {"error": error.message}}
    else:
        feedback = {question.id: {"correct": correct}}
    context = _lesson_context(module, question.lesson, feedback)
    if wants_fragment():
        return render_template("catalogue/_question.html", question=question, **context)
    return render("catalogue/lesson.html", **context)


@bp.get("/attestations/<code>")
def attestation(code: str):
    """An attestation, public: an employer or a funder checks it without an account."""
    found = db.session.scalar(select(Attestation).where(Attestation.code == code.upper()))
    if found is None:
        abort(404)
    return render("catalogue/attestation.html", attestation=found)
