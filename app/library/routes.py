"""URLs under /pratiques (practice sheets) and /outils (the shared toolbox)."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from app.accounts.models import Organisation, OrganisationKind
from app.catalogue.queries import teaching_modules
from app.extensions import db
from app.files import send_stored_file
from app.library import bp, policy, queries, services, taxonomy
from app.library.diff import revision_diff
from app.library.forms import AdoptForm, FileForm, PracticeForm, ReviewForm
from app.library.models import (
    Adoption,
    Practice,
    PracticeRevision,
    RevisionStatus,
    UsefulVote,
)
from app.markup import render_markdown
from app.web import field_error, render, wants_fragment


def get_practice(slug: str, edit: bool = False) -> Practice:
    """The sheet, or 404; 403 when the person may not see (or edit) it."""
    if len(slug) > 120 or not slug.isprintable():  # no such slug; PostgreSQL refuses a NUL
        abort(404)
    practice = db.session.scalar(
        select(Practice)
        .options(joinedload(Practice.organisation), selectinload(Practice.revisions),
                 selectinload(Practice.files))
        .where(Practice.slug == slug)
    ) or abort(404)
    allowed = policy.can_edit if edit else policy.can_view
    if not allowed(current_user, practice):
        abort(403 if practice.is_published or edit else 404)
    return practice


def _content(form: PracticeForm) -> services.SheetContent:
    return services.SheetContent(
        title=form.title.data or "", summary=form.summary.data or "",
        body_md=form.body_md.data or "", category=form.category.data or "",
        phase=form.phase.data or "", sector=form.sector.data or "",
        tags=services.normalise_tags(form.tags.data or ""),
    )


# --- Reading ---------------------------------------------------------------------


@bp.get("/pratiques")
@login_required
def index():
    """The library: published sheets with facets, sorts and pages (htmx refreshes the results)."""
    filters = queries.Filters.from_args(request.args)
    page = queries.practice_page(filters, queries.page_number(request.args))
    return render(
        "library/index.html", block="library", page=page, filters=filters,
        facets=queries.facet_counts(filters), sorts=queries.SORTS,
        file_counts=queries.file_counts([p.id for p in page.items]),
        can_create=policy.can_create(current_user),
        can_review=policy.is_reviewer(current_user),
    )


def _detail_context(practice: Practice) -> dict:
    from app.discussions.subjects import page_section  # discussions import the library

    adoptions = db.session.scalars(
        select(Adoption).options(joinedload(Adoption.organisation))
        .where(Adoption.practice_id == practice.id).order_by(Adoption.created_at)
    ).all()
    my_vote = db.session.scalar(select(UsefulVote.useful).where(
        UsefulVote.practice_id == practice.id, UsefulVote.user_id == current_user.id))
    adopters = policy.adopting_organisations(current_user, practice)
    adopt_form = AdoptForm()
    adopt_form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in adopters]
    return {
        "practice": practice,
        "adoptions": adoptions,
        "adopted_ids": {a.organisation_id for a in adoptions},
        "adopters": adopters,
        "adopt_form": adopt_form,
        "my_vote": my_vote,
        "related": queries.related_practices(practice),
        "modules": teaching_modules(practice.category),
        "open_revision": services.open_revision(practice),
        "can_edit": policy.can_edit(current_user, practice),
        "can_review": policy.can_review(current_user, practice),
        "review_form": ReviewForm(),
        "file_form": FileForm(),
        "label": taxonomy.label,
        "discussion": page_section("practice", practice)
        if practice.is_published else None,
    }


@bp.get("/pratiques/<slug>")
@login_required
def detail(slug: str):
    """A sheet with its tools, adoptions, usefulness and related sheets."""
    practice = get_practice(slug)
    return render("library/detail.html", **_detail_context(practice))


# --- Writing ---------------------------------------------------------------------


def _writable_organisations():
    if policy.is_reviewer(current_user):
        return db.session.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.EMPLOYER)
            .order_by(Organisation.name)
        ).all()
    return policy.contributing_organisations(current_user)


@bp.route("/pratiques/nouvelle", methods=["GET", "POST"])
@login_required
def new():
    """Write a new sheet for one's organisation (saved as a draft)."""
    if not policy.can_create(current_user):
        abort(403)
    organisations = _writable_organisations()
    form = PracticeForm(organisations=organisations)
    if request.form.get("apercu"):
        return _preview_page(form, None)
    if form.validate_on_submit():
        chosen = form.organisation_id.data if "organisation_id" in form else None
        organisation = next((o for o in organisations if o.id == chosen), None)
        try:
            if organisation is None:  # a trainer, while no employer is registered yet
                raise services.LibraryError("Aucune structure employeuse ne peut encore "
                                            "recevoir de fiche.")
            practice = services.create_practice(current_user, organisation, _content(form))
        except services.LibraryError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Votre fiche est enregistrée comme brouillon. Soumettez-la quand elle est "
                  "prête : un·e formateur·rice la relira avant publication.", "success")
            return redirect(url_for("library.detail", slug=practice.slug), 303)
    return render("library/edit.html", form=form, practice=None,
                  preview=render_markdown(form.body_md.data or ""),
                  status=422 if form.is_submitted() else 200)


@bp.route("/pratiques/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit a sheet: a published one gets a new revision, reviewed before it replaces it."""
    practice = get_practice(slug, edit=True)
    revision = services.open_revision(practice) or practice.revisions[-1]
    form = PracticeForm(obj=revision if request.method == "GET" else None)
    if request.method == "GET":
        form.tags.data = ", ".join(revision.tags)
    if request.form.get("apercu"):
        return _preview_page(form, practice)
    if form.validate_on_submit():
        try:
            services.save_revision(current_user, practice, _content(form))
        except services.LibraryError as error:
            field_error(form, error.message, error.field)
        else:
            flash("Modifications enregistrées." + (
                " Elles seront visibles de tous après relecture." if practice.is_published
                else ""), "success")
            return redirect(url_for("library.detail", slug=practice.slug), 303)
    return render("library/edit.html", form=form, practice=practice,
                  preview=render_markdown(form.body_md.data or ""),
                  status=422 if form.is_submitted() else 200)


def _preview_page(form: PracticeForm, practice: Practice | None):
    """Without JavaScript, « Prévisualiser » shows the rendered text without saving."""
    return render("library/edit.html", form=form, practice=practice,
                  preview=render_markdown(form.body_md.data or ""))


@bp.post("/pratiques/apercu")
@login_required
def preview():
    """Live preview of Markdown, sanitised exactly as it will be saved."""
    # The same limit as the sheet form: a preview is no way round it.
    return render("library/_preview.html",
                  html=render_markdown(request.form.get("body_md", "")[:50_000]))


@bp.post("/pratiques/<slug>/soumettre")
@login_required
def submit(slug: str):
    """Send the draft to the trainers for review."""
    practice = get_practice(slug, edit=True)
    try:
        services.submit(current_user, practice)
    except services.LibraryError as error:
        flash(error.message, "error")
    else:
        flash("Fiche envoyée en relecture. Vous serez prévenu·e de la décision.", "success")
    return redirect(url_for("library.detail", slug=slug), 303)


@bp.post("/pratiques/<slug>/publier")
@login_required
def publish(slug: str):
    """Publish the revision under review (trainers and admins)."""
    practice = get_practice(slug)
    if not policy.can_review(current_user, practice):
        abort(403)
    try:
        services.publish(current_user, practice)
    except services.LibraryError as error:
        flash(error.message, "error")
    else:
        flash("Fiche publiée : elle est visible par tous les employeurs.", "success")
    return redirect(url_for("library.detail", slug=slug), 303)


@bp.post("/pratiques/<slug>/renvoyer")
@login_required
def send_back(slug: str):
    """Send the revision back to its authors with a comment (trainers and admins)."""
    practice = get_practice(slug)
    if not policy.can_review(current_user, practice):
        abort(403)
    form = ReviewForm()
    try:
        services.request_changes(current_user, practice, form.comment.data or "")
    except services.LibraryError as error:
        flash(error.message, "error")
    else:
        flash("La fiche est renvoyée à ses auteur·es avec votre commentaire.", "success")
    return redirect(url_for("library.detail", slug=slug), 303)


@bp.get("/pratiques/<slug>/historique")
@login_required
def history(slug: str):
    """Every revision of a sheet, with a readable diff between two of them."""
    practice = get_practice(slug, edit=True)
    revisions = practice.revisions
    number = request.args.get("version", type=int) or revisions[-1].number
    current = next((r for r in revisions if r.number == number), None) or abort(404)
    previous = next((r for r in reversed(revisions) if r.number < current.number), None)
    return render("library/history.html", practice=practice, revisions=revisions,
                  current=current, previous=previous,
                  diff=revision_diff(previous, current) if previous else None,
                  label=taxonomy.label)


# --- Review queue and contributions -------------------------------------------------


@bp.get("/pratiques/a-relire")
@login_required
def review_queue():
    """Sheets waiting for a trainer's review, oldest first."""
    if not policy.is_reviewer(current_user):
        abort(403)
    revisions = db.session.scalars(
        select(PracticeRevision)
        .options(joinedload(PracticeRevision.practice).joinedload(Practice.organisation),
                 joinedload(PracticeRevision.author))
        .where(PracticeRevision.status == RevisionStatus.SUBMITTED)
        .order_by(PracticeRevision.submitted_at)
    ).all()
    return render("library/review_queue.html", revisions=revisions)


@bp.get("/pratiques/mes-contributions")
@login_required
def contributions():
    """The sheets of the person's organisations, with the state of their latest revision."""
    if not policy.can_create(current_user):
        abort(403)
    organisation_ids = [o.id for o in policy.contributing_organisations(current_user)]
    practices = db.session.scalars(
        select(Practice)
        .options(joinedload(Practice.organisation), selectinload(Practice.revisions))
        .where(Practice.organisation_id.in_(organisation_ids) |
               (Practice.created_by_id == current_user.id))
        .order_by(Practice.id.desc())
    ).all()
    return render("library/contributions.html", practices=practices)


# --- Adoption and usefulness -----------------------------------------------------------


@bp.post("/pratiques/<slug>/adopter")
@login_required
def adopt(slug: str):
    """« Nous le faisons aussi » for one of the person's organisations (or take it back)."""
    practice = get_practice(slug)
    adopters = policy.adopting_organisations(current_user, practice)
    if not adopters:
        abort(403)
    wanted = request.form.get("organisation_id", type=int) or adopters[0].id
    organisation = next((o for o in adopters if o.id == wanted), None) or abort(403)
    adopted = request.form.get("action", "adopter") == "adopter"
    services.set_adoption(current_user, practice, organisation, adopted)
    flash(f"C’est noté : {organisation.name} fait aussi cette pratique." if adopted
          else f"{organisation.name} ne figure plus parmi les structures qui la pratiquent.",
          "success")
    return _back_to_sheet(practice, "adoption")


@bp.post("/pratiques/<slug>/utile")
@login_required
def vote(slug: str):
    """Answer « Cette fiche vous a-t-elle été utile ? » (one answer per person)."""
    practice = get_practice(slug)
    answer = request.form.get("utile")
    if answer not in ("oui", "non"):
        abort(400)
    try:
        services.vote(current_user, practice, answer == "oui")
    except services.PermissionDenied:
        abort(403)
    flash("Merci pour votre retour !", "success")
    return _back_to_sheet(practice, "utile")


def _back_to_sheet(practice: Practice, block: str):
    """The updated block for htmx, or back to the sheet at that block."""
    if wants_fragment():
        return render("library/detail.html", block=block, **_detail_context(practice))
    return redirect(url_for("library.detail", slug=practice.slug), 303)


# --- Files -------------------------------------------------------------------------


@bp.post("/pratiques/<slug>/fichiers")
@login_required
def upload(slug: str):
    """Attach a tool (file) to a sheet."""
    practice = get_practice(slug, edit=True)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash("Choisissez un fichier à ajouter.", "error")
    else:
        try:
            attachment = services.attach_file(current_user, practice, upload_file)
        except services.LibraryError as error:
            flash(error.message, "error")
        else:
            flash(f"« {attachment.filename} » est ajouté à la fiche.", "success")
    return redirect(url_for("library.detail", slug=slug), 303)


@bp.get("/pratiques/<slug>/fichiers/<int:file_id>")
@login_required
def download(slug: str, file_id: int):
    """Download a tool attached to a sheet the person can see."""
    practice = get_practice(slug)
    attachment = next((f for f in practice.files if f.id == file_id), None) or abort(404)
    return send_stored_file(attachment.storage_key, attachment.filename,
                            attachment.content_type)


@bp.post("/pratiques/<slug>/fichiers/<int:file_id>/supprimer")
@login_required
def remove_file(slug: str, file_id: int):
    """Remove a tool from a sheet."""
    practice = get_practice(slug, edit=True)
    attachment = next((f for f in practice.files if f.id == file_id), None) or abort(404)
    services.remove_file(current_user, attachment)
    flash(f"« {attachment.filename} » est retiré de la fiche.", "success")
    return redirect(url_for("library.detail", slug=slug), 303)


# --- Toolbox -------------------------------------------------------------------------


@bp.get("/outils")
@login_required
def tools():
    """The toolbox shared by all employers: every file of a published sheet, and every
    file shared in a public discussion, each with a link back to where it comes from."""
    kind = request.args.get("type", "")
    category = request.args.get("categorie", "")
    source = request.args.get("source", "")
    kind = kind if kind in queries.FILE_KINDS else ""
    category = category if taxonomy.is_valid("category", category) else ""
    source = source if source in queries.TOOL_SOURCES else ""
    page = queries.toolbox_page(kind, category, source, queries.page_number(request.args))
    return render("library/tools.html", block="tools_list", page=page, kind=kind,
                  category=category, source=source, kinds=queries.FILE_KINDS,
                  sources=queries.TOOL_SOURCES, categories=taxonomy.terms("category"))
