"""URLs under /admin: platform statistics, organisations and accounts (admins only)."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from app.accounts import policy, services
from app.accounts.forms import OrganisationForm
from app.accounts.models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    User,
    folded,
    utcnow,
)
from app.admin import bp
from app.extensions import db
from app.library import taxonomy
from app.library.models import TaxonomyTerm
from app.search import synonyms
from app.web import render


@bp.before_request
@login_required
def require_admin():
    if not policy.can_administer(current_user):
        abort(403)


@bp.get("")
def index():
    """Platform statistics: organisations by kind, accounts, invitations, recent logins."""
    now = utcnow()
    by_kind = dict(db.session.execute(
        select(Organisation.kind, func.count(Organisation.id)).group_by(Organisation.kind)
    ).all())
    accounts = db.session.execute(
        select(
            func.count(User.id),
            func.count(User.id).filter(User.active.is_(True)),
            func.count(User.id).filter(User.last_login_at > now - timedelta(days=30)),
        )
    ).one()
    pending = db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    kinds = [(kind.label, by_kind.get(kind.value, 0)) for kind in OrganisationKind]
    return render("admin/index.html", kinds=kinds, accounts=accounts, pending=pending)


@bp.get("/organisations")
def organisations():
    """Every organisation with its number of active members, paginated."""
    kind = request.args.get("type", "")
    query = select(Organisation).order_by(func.lower(Organisation.name))
    if kind in {k.value for k in OrganisationKind}:
        query = query.where(Organisation.kind == kind)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"])
    ids = [org.id for org in page.items]
    counts = dict(db.session.execute(
        select(Membership.organisation_id, func.count(Membership.id))
        .where(Membership.organisation_id.in_(ids), Membership.active.is_(True))
        .group_by(Membership.organisation_id)
    ).all()) if ids else {}
    return render("admin/organisations.html", block="organisations_list", page=page,
                  counts=counts, kind=kind, kinds=list(OrganisationKind))


@bp.route("/organisations/nouvelle", methods=["GET", "POST"])
def new_organisation():
    """Create an organisation, then invite its first employer from its members page."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                current_user, form.name.data, form.kind.data, form.sector.data or None,
                form.city.data,
            )
        except services.AccountError as error:
            form.name.errors = [*form.name.errors, error.message]
        else:
            flash(f"L’organisation « {organisation.name} » est créée. Invitez maintenant "
                  "sa première personne responsable.", "success")
            return redirect(url_for("accounts.members", organisation_id=organisation.id), 303)
    return render("admin/new_organisation.html", form=form,
                  status=422 if form.is_submitted() else 200)


@bp.get("/comptes")
def users():
    """Every account, searchable by name or e-mail, paginated."""
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.name_key, User.id)
    if q:
        # contains(autoescape=True): a typed % or _ is a character, not a wildcard.
        query = query.where(or_(User.name_key.contains(folded(q), autoescape=True),
                                func.lower(User.email).contains(q.lower(), autoescape=True)))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"])
    ids = [user.id for user in page.items]
    memberships = db.session.scalars(
        select(Membership)
        .join(Membership.organisation)
        .options(contains_eager(Membership.organisation))
        .where(Membership.user_id.in_(ids))
        .order_by(Organisation.name)
    ).all() if ids else []
    by_user: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_user.setdefault(membership.user_id, []).append(membership)
    return render("admin/users.html", block="users_list", page=page, q=q, by_user=by_user)


@bp.post("/comptes/<int:user_id>/desactiver")
def deactivate_user(user_id: int):
    """Deactivate an account: it cannot log in and all its sessions end."""
    return _set_user_active(user_id, False)


@bp.post("/comptes/<int:user_id>/reactiver")
def reactivate_user(user_id: int):
    """Reactivate an account."""
    return _set_user_active(user_id, True)


def _set_user_active(user_id: int, active: bool):
    user = db.session.get(User, user_id) or abort(404)
    try:
        services.set_user_active(current_user, user, active)
    except services.PermissionDenied:
        abort(403)
    flash(f"Compte {'réactivé' if active else 'désactivé'} : {user.full_name}.", "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None,
                            page=request.args.get("page")), 303)


# --- Vocabularies ---------------------------------------------------------------------


@bp.get("/vocabulaires")
def vocabularies():
    """The fixed vocabularies (categories, phases, sectors), with their labels."""
    rows = db.session.scalars(
        select(TaxonomyTerm).order_by(TaxonomyTerm.kind, TaxonomyTerm.position)
    ).all()
    by_kind: dict[str, list[TaxonomyTerm]] = {kind: [] for kind in taxonomy.KIND_LABELS}
    for term in rows:
        by_kind.setdefault(term.kind, []).append(term)
    return render("admin/vocabularies.html", by_kind=by_kind, kinds=taxonomy.KIND_LABELS)


@bp.post("/vocabulaires/<int:term_id>")
def rename_term(term_id: int):
    """Change a value's label (its identifier in URLs and files stays)."""
    term = db.session.get(TaxonomyTerm, term_id) or abort(404)
    try:
        taxonomy.rename_term(term, request.form.get("label", ""))
    except taxonomy.TaxonomyError as error:
        flash(error.message, "error")
    else:
        flash(f"Libellé enregistré : {term.label}.", "success")
    return redirect(url_for("admin.vocabularies") + f"#{term.kind}", 303)


@bp.post("/vocabulaires/ajouter")
def add_term():
    """Add a value to a vocabulary."""
    kind = request.form.get("kind", "")
    try:
        term = taxonomy.add_term(kind, request.form.get("label", ""))
    except taxonomy.TaxonomyError as error:
        flash(error.message, "error")
    else:
        flash(f"Valeur ajoutée : {term.label} ({term.slug}).", "success")
    return redirect(url_for("admin.vocabularies") + f"#{kind}", 303)


# --- Search thesaurus ----------------------------------------------------------------


@bp.route("/synonymes", methods=["GET", "POST"])
def thesaurus():
    """Edit the search thesaurus (groups of equivalent terms)."""
    text = synonyms.current_text()
    error = None
    status = 200
    if request.method == "POST":
        text = request.form.get("thesaurus", "")
        try:
            synonyms.save(text, current_user.id)
        except synonyms.ThesaurusError as refused:
            error, status = refused.message, 422
        else:
            flash("Synonymes enregistrés : ils s’appliquent dès la prochaine recherche.",
                  "success")
            return redirect(url_for("admin.thesaurus"), 303)
    return render("admin/thesaurus.html", text=text, error=error, status=status)
