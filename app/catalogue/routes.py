"""URLs under /formations (modules, lessons, paths, « Mes formations») and /attestations."""

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.catalogue import bp, policy, queries, services
from app.catalogue.forms import LessonForm, ModuleForm, QuestionForm
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
from app.library.policy import is_reviewer
from app.web import field_error, render, wants_fragment


def get_module(slug: str) -> Module:
    """The module with its lessons and questions, or 404 (drafts are hidden from learners)."""
    module = db.session.scalar(
        select(Module).options(selectinload(Module.lessons).selectinload(Lesson.questions))
        .where(Module.slug == slug)
    )
    if module is None:
        abort(404)
    # An archived module stays readable for those who had started it.
    if not policy.can_view(current_user, module) and (
        module.status != "archived" or not services.find_enrolment(current_user, module)
    ):
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
        is_trainer=is_reviewer(current_user), is_employer=current_user.has_role("employer"),
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
                  next_lesson=_next_lesson(module, enrolment), label=taxonomy.label,
                  discussion=_discussion("module", module)
                  if module.is_published else None)


def _discussion(kind: str, record, module=None) -> dict:
    """The page's « Discussion » section (imported here: discussions import the catalogue)."""
    from app.discussions.subjects import page_section

    return page_section(kind, record, module)


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
        "discussion": _discussion("lesson", lesson, module)
        if module.is_published else None,
    }


@bp.get("/formations/<slug>/lecons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    """A lesson: text, previous/next, « J’ai terminé cette leçon », self-check questions."""
    module = get_module(slug)
    feedback = None
    answered = request.args.get("reponse", type=int)
    if answered and request.args.get("juste") in ("0", "1"):
        feedback = {answered: {"correct": request.args["juste"] == "1"}}
    return render("catalogue/lesson.html",
                  **_lesson_context(module, get_lesson(module, lesson_slug), feedback))


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
    if not wants_fragment():
        verdict = feedback[question.id].get("correct")
        return redirect(url_for("catalogue.lesson", slug=slug, lesson_slug=question.lesson.slug,
                                reponse=question.id,
                                juste="" if verdict is None else int(verdict))
                        + f"#question-{question.id}", 303)
    context = _lesson_context(module, question.lesson, feedback)
    # The answered question, and the lesson's progress bar out of band.
    return render_template("catalogue/_question.html", question=question, focus_feedback=True,
                           **context) + \
        render_block("catalogue/lesson.html", "lesson_progress", oob=True, **context)


@bp.get("/attestations/<code>")
def attestation(code: str):
    """An attestation, public: an employer or a funder checks it without an account."""
    found = db.session.scalar(select(Attestation).where(Attestation.code == code.upper()))
    if found is None:
        abort(404)
    return render("catalogue/attestation.html", attestation=found)


# --- Trainers: writing modules ---------------------------------------------------------


def require_trainer() -> None:
    if not is_reviewer(current_user):
        abort(403)


@bp.get("/formations/gestion")
@login_required
def manage():
    """Every module, whatever its state, for trainers and admins."""
    require_trainer()
    modules = db.session.scalars(select(Module).order_by(Module.status, Module.title)).all()
    counts = queries.progress_by_module(current_user.id, [m.id for m in modules])
    enrolled = dict(db.session.execute(
        select(Enrolment.module_id, func.count(Enrolment.id)).group_by(Enrolment.module_id)
    ).all())
    return render("catalogue/manage.html", modules=modules, counts=counts, enrolled=enrolled)


@bp.route("/formations/nouveau", methods=["GET", "POST"])
@login_required
def new_module():
    """Create a module (as a draft)."""
    require_trainer()
    form = ModuleForm()
    if form.validate_on_submit():
        module = services.save_module(current_user, None, **_module_fields(form))
        flash("Module créé en brouillon : ajoutez ses leçons puis publiez-le.", "success")
        return redirect(url_for("catalogue.edit_module", slug=module.slug), 303)
    return render("catalogue/module_form.html", form=form, module=None,
                  status=422 if form.is_submitted() else 200)


def _module_fields(form: ModuleForm) -> dict:
    return {"title": form.title.data, "summary": form.summary.data,
            "duration_minutes": form.duration_minutes.data, "audience": form.audience.data,
            "theme": form.theme.data, "objectives": (form.objectives.data or "").splitlines(),
            "intro_md": form.intro_md.data or ""}


@bp.route("/formations/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit_module(slug: str):
    """Edit a module's fields, its lessons and its state."""
    require_trainer()
    module = get_module(slug)
    form = ModuleForm(obj=module if request.method == "GET" else None)
    if request.method == "GET":
        form.objectives.data = "\n".join(module.objectives)
    if form.validate_on_submit():
        services.save_module(current_user, module, **_module_fields(form))
        flash("Module enregistré.", "success")
        return redirect(url_for("catalogue.edit_module", slug=slug), 303)
    return render("catalogue/module_form.html", form=form, module=module,
                  lesson_form=LessonForm(prefix="lecon", formdata=None),
                  status=422 if form.is_submitted() else 200)


@bp.post("/formations/<slug>/etat")
@login_required
def set_status(slug: str):
    """Publish, archive or take back to draft."""
    require_trainer()
    module = get_module(slug)
    wanted = request.form.get("etat", "")
    try:
        services.set_status(current_user, module, wanted)
    except services.CatalogueError as error:
        flash(error.message, "error")
    else:
        flash({"published": "Module publié : les tuteur·rices le voient dans le catalogue.",
               "archived": "Module archivé : il ne figure plus au catalogue.",
               "draft": "Module repassé en brouillon."}[wanted], "success")
    return redirect(url_for("catalogue.edit_module", slug=slug), 303)


@bp.post("/formations/<slug>/lecons")
@login_required
def add_lesson(slug: str):
    """Add a lesson at the end of the module."""
    require_trainer()
    module = get_module(slug)
    form = LessonForm(prefix="lecon")
    if not form.validate_on_submit():
        return render("catalogue/module_form.html", form=ModuleForm(obj=module, formdata=None),
                      module=module, lesson_form=form, status=422)
    lesson = services.save_lesson(current_user, module, None, title=form.title.data,
                                  duration_minutes=form.duration_minutes.data,
                                  body_md=form.body_md.data or "")
    return redirect(url_for("catalogue.edit_lesson", slug=slug, lesson_slug=lesson.slug), 303)


@bp.route("/formations/<slug>/lecons/<lesson_slug>/modifier", methods=["GET", "POST"])
@login_required
def edit_lesson(slug: str, lesson_slug: str):
    """Edit a lesson's text (live preview) and its self-check questions."""
    require_trainer()
    module = get_module(slug)
    current = get_lesson(module, lesson_slug)
    form = LessonForm(obj=current if request.method == "GET" else None)
    if form.validate_on_submit():
        services.save_lesson(current_user, module, current, title=form.title.data,
                             duration_minutes=form.duration_minutes.data,
                             body_md=form.body_md.data or "")
        flash("Leçon enregistrée.", "success")
        return redirect(url_for("catalogue.edit_lesson", slug=slug, lesson_slug=lesson_slug),
                        303)
    return render("catalogue/lesson_form.html", form=form, module=module, lesson=current,
                  question_form=QuestionForm(), status=422 if form.is_submitted() else 200)


@bp.post("/formations/<slug>/lecons/<lesson_slug>/supprimer")
@login_required
def delete_lesson(slug: str, lesson_slug: str):
    """Delete a lesson (learners keep their progress on the others)."""
    require_trainer()
    module = get_module(slug)
    current = get_lesson(module, lesson_slug)
    services.delete_lesson(current_user, current)
    flash(f"Leçon « {current.title} » supprimée.", "success")
    return redirect(url_for("catalogue.edit_module", slug=slug), 303)


@bp.post("/formations/<slug>/lecons/<lesson_slug>/deplacer")
@login_required
def move_lesson(slug: str, lesson_slug: str):
    """Move a lesson up or down."""
    require_trainer()
    module = get_module(slug)
    services.move_lesson(current_user, get_lesson(module, lesson_slug),
                         -1 if request.form.get("sens") == "haut" else 1)
    return redirect(url_for("catalogue.edit_module", slug=slug) + "#lecons", 303)


@bp.post("/formations/<slug>/lecons/<lesson_slug>/questions")
@login_required
def add_question(slug: str, lesson_slug: str):
    """Add a self-check question to a lesson."""
    require_trainer()
    module = get_module(slug)
    current = get_lesson(module, lesson_slug)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(current_user, current, prompt=form.prompt.data,
                                  kind=form.kind.data, choices_text=form.choices.data,
                                  explanation=form.explanation.data or "")
        except services.CatalogueError as error:
            field_error(form, error.message, "choices")
        else:
            flash("Question ajoutée.", "success")
            return redirect(url_for("catalogue.edit_lesson", slug=slug,
                                    lesson_slug=lesson_slug) + "#questions", 303)
    return render("catalogue/lesson_form.html", form=LessonForm(obj=current), module=module,
                  lesson=current, question_form=form, status=422)


@bp.post("/formations/<slug>/questions/<int:question_id>/supprimer")
@login_required
def delete_question(slug: str, question_id: int):
    """Delete a self-check question."""
    require_trainer()
    module = get_module(slug)
    question = db.session.get(Question, question_id)
    if question is None or question.lesson.module_id != module.id:
        abort(404)
    lesson_slug = question.lesson.slug
    services.delete_question(current_user, question)
    flash("Question supprimée.", "success")
    return redirect(url_for("catalogue.edit_lesson", slug=slug, lesson_slug=lesson_slug)
                    + "#questions", 303)


@bp.get("/formations/<slug>/statistiques")
@login_required
def stats(slug: str):
    """Enrolments, completion rate and median time, by organisation; CSV with ?format=csv."""
    require_trainer()
    module = get_module(slug)
    rows = queries.module_stats(module)
    if request.args.get("format") == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Organisation", "Inscrit·es", "Terminé", "Taux (%)",
                         "Durée médiane (jours)"])
        for row in rows:
            writer.writerow([row.name, row.enrolled, row.completed, row.rate,
                             "" if row.median_days is None else str(row.median_days).replace(
                                 ".", ",")])
        response = Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="statistiques-{module.slug}.csv"')
        return response
    return render("catalogue/stats.html", module=module, rows=rows)


# --- Employers: who is trained -------------------------------------------------------------


@bp.get("/formations/equipe")
@login_required
def team():
    """The organisation's tutors × modules: who is trained, who is in progress."""
    organisations = [m.organisation for m in current_user.active_memberships
                     if m.role == "employer"]
    if not organisations:
        abort(403)
    wanted = request.args.get("organisation", type=int)
    organisation = next((o for o in organisations if o.id == wanted), organisations[0])
    modules = queries.published_modules(audience="tuteur")
    tutors, states, trained = queries.team_training(organisation.id, modules)
    return render("catalogue/team.html", organisation=organisation,
                  organisations=organisations, modules=modules, tutors=tutors,
                  states=states, trained=trained)
