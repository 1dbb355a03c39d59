"""URLs under /compte: login, passwords, invitations, profile, organisation members."""

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts import bp, policy, services
from app.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    InviteForm,
    JoinForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    RoleForm,
)
from app.accounts.models import Invitation, Membership, Organisation, User, utcnow
from app.accounts.session import end_session, start_session
from app.extensions import db
from app.web import field_error, render


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("home.index")


# --- Login ------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password; throttled per account across workers."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginThrottled as error:
            form.form_errors.append(error.message)
            status = 429
        except services.AccountError as error:
            form.form_errors.append(error.message)
            status = 422
        else:
            start_session(user, remember=form.remember.data)
            flash(f"Bienvenue, {user.full_name}.", "success")
            return redirect(_safe_next(request.args.get("next")), 303)
    elif form.is_submitted():
        status = 422
    return render("accounts/login.html", form=form, status=status)


@bp.post("/deconnexion")
def logout():
    """End this session."""
    end_session()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("accounts.login"), 303)


@bp.post("/deconnexion-partout")
@login_required
def logout_everywhere():
    """End every session of the current person, on every device."""
    services.end_all_sessions(current_user)
    end_session()
    flash("Vous êtes déconnecté·e de tous vos appareils.", "info")
    return redirect(url_for("accounts.login"), 303)


# --- Forgotten password -------------------------------------------------------


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer does not tell whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            "Si un compte existe pour cette adresse, un e-mail vient de lui être envoyé avec "
            "un lien pour choisir un nouveau mot de passe.",
            "info",
        )
        return redirect(url_for("accounts.login"), 303)
    return render("accounts/forgot_password.html", form=form,
                  status=422 if form.is_submitted() else 200)


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link (single use)."""
    try:
        reset = services.find_password_reset(token)
    except services.AccountError as error:
        return render("accounts/link_invalid.html", message=error.message, status=410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data, form.confirm.data)
        except services.AccountError as error:
            field_error(form, error.message, error.field)
        else:
            end_session()
            start_session(user)
            flash("Votre mot de passe a été changé. Vous êtes connecté·e.", "success")
            return redirect(url_for("home.index"), 303)
    return render("accounts/reset_password.html", form=form, user=reset.user,
                  status=422 if form.is_submitted() else 200)


# --- Invitations --------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Join an organisation from an invitation: set a password, or join with one's account."""
    try:
        invitation = services.find_invitation(token)
    except services.AccountError as error:
        return render("accounts/link_invalid.html", message=error.message, status=410,
                      invitation_link=True)
    account = services.existing_account(invitation)
    has_password = account is not None and account.password_hash is not None
    form = JoinForm() if has_password else AcceptInvitationForm()
    if not form.is_submitted() and not has_password and invitation.full_name:
        form.full_name.data = invitation.full_name
    if form.validate_on_submit():
        try:
            if has_password:
                user = services.accept_invitation(token)
            else:
                user = services.accept_invitation(
                    token, form.full_name.data, form.password.data, form.confirm.data
                )
        except services.AccountError as error:
            field_error(form, error.message, error.field)
        else:
            organisation = invitation.organisation.name
            if has_password and not (
                current_user.is_authenticated and current_user.id == user.id
            ):
                end_session()
                flash(f"Vous avez rejoint {organisation}. Connectez-vous pour continuer.",
                      "success")
                return redirect(url_for("accounts.login"), 303)
            end_session()
            start_session(user)
            flash(f"Bienvenue dans Compagnon ! Vous avez rejoint {organisation}.", "success")
            return redirect(url_for("home.index"), 303)
    return render("accounts/accept_invitation.html", form=form, invitation=invitation,
                  has_password=has_password, status=422 if form.is_submitted() else 200)


# --- Profile and password -----------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@login_required
def profile():
    """See one's account and edit one's profile."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user, form.full_name.data, form.job_title.data or "", form.phone.data or ""
        )
        flash("Votre profil est enregistré.", "success")
        return redirect(url_for("accounts.profile"), 303)
    return render("accounts/profile.html", form=form, confirm=ConfirmForm(),
                  status=422 if form.is_submitted() else 200)


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.password.data, form.confirm.data
            )
        except services.AccountError as error:
            field_error(form, error.message, error.field)
        else:
            start_session(current_user._get_current_object())
            flash("Votre mot de passe est changé. Vos autres appareils sont déconnectés.",
                  "success")
            return redirect(url_for("accounts.profile"), 303)
    return render("accounts/change_password.html", form=form,
                  status=422 if form.is_submitted() else 200)


# --- Organisations and members --------------------------------------------------


def get_organisation(organisation_id: int, manage: bool = False) -> Organisation:
    """The organisation, or 404; 403 when the person may not see (or manage) its members."""
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    allowed = (policy.can_manage_members if manage else policy.can_view_members)(
        current_user, organisation
    )
    if not allowed:
        abort(403)
    return organisation


def get_membership(organisation: Organisation, membership_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.id == membership_id, Membership.organisation_id == organisation.id)
    )
    if membership is None:
        abort(404)
    if not policy.can_change_membership(current_user, membership):
        abort(403)
    return membership


@bp.get("/organisations")
@login_required
def organisations():
    """The organisations the current person belongs to."""
    memberships = current_user.active_memberships
    counts = dict(
        db.session.execute(
            select(Membership.organisation_id, func.count(Membership.id))
            .where(
                Membership.organisation_id.in_([m.organisation_id for m in memberships]),
                Membership.active.is_(True),
            )
            .group_by(Membership.organisation_id)
        ).all()
    )
    return render("accounts/organisations.html", memberships=memberships, counts=counts)


def _members_page(organisation: Organisation, invite_form=None, status: int = 200,
                  block: str | None = None):
    page = db.paginate(
        select(Membership)
        .join(Membership.user)
        .options(joinedload(Membership.user))
        .where(Membership.organisation_id == organisation.id)
        .order_by(Membership.active.desc(), func.lower(User.full_name)),
        per_page=current_app.config["PAGE_SIZE"],
    )
    manage = policy.can_manage_members(current_user, organisation)
    invitations = []
    if manage:
        invitations = db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.invited_by))
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        ).all()
    invite_form = invite_form or InviteForm()
    if manage and not invite_form.is_submitted() and not services.has_active_employer(
        organisation
    ):
        invite_form.role.data = "employer"  # the first person invited will run the place
    return render(
        "accounts/members.html",
        block=block,
        status=status,
        organisation=organisation,
        page=page,
        manage=manage,
        invitations=invitations,
        invite_form=invite_form,
        role_form=RoleForm(),
        confirm=ConfirmForm(),
    )


@bp.get("/organisations/<int:organisation_id>")
@login_required
def members(organisation_id: int):
    """The members of an organisation; employers and admins also manage them here."""
    organisation = get_organisation(organisation_id)
    return _members_page(organisation, block="members_table")


@bp.route("/organisations/<int:organisation_id>/invitations", methods=["GET", "POST"])
@login_required
def invite(organisation_id: int):
    """Invite a person by e-mail into the organisation with a role (GET: back to the page)."""
    organisation = get_organisation(organisation_id, manage=True)
    if request.method == "GET":
        return redirect(url_for("accounts.members", organisation_id=organisation.id))
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite(
                current_user, organisation, form.email.data, form.role.data,
                form.full_name.data or "",
            )
        except services.AccountError as error:
            field_error(form, error.message, error.field)
        else:
            flash(
                f"Invitation envoyée à {invitation.email} ({invitation.role_label}). "
                "Le lien est valable 14 jours.",
                "success",
            )
            return redirect(url_for("accounts.members", organisation_id=organisation.id), 303)
    return _members_page(organisation, invite_form=form, status=422)


@bp.post("/organisations/<int:organisation_id>/invitations/<int:invitation_id>/annuler")
@login_required
def revoke_invitation(organisation_id: int, invitation_id: int):
    """Cancel a pending invitation: its link stops working."""
    organisation = get_organisation(organisation_id, manage=True)
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.organisation_id == organisation.id
        )
    ) or abort(404)
    services.revoke_invitation(current_user, invitation)
    flash(f"L’invitation envoyée à {invitation.email} est annulée.", "info")
    return redirect(url_for("accounts.members", organisation_id=organisation.id), 303)


def _member_changed(organisation: Organisation, message: str, category: str):
    flash(message, category)
    if request.headers.get("HX-Request"):
        return _members_page(organisation, block="members_table")
    return redirect(url_for("accounts.members", organisation_id=organisation.id,
                            page=request.args.get("page")), 303)


@bp.post("/organisations/<int:organisation_id>/membres/<int:membership_id>/role")
@login_required
def change_role(organisation_id: int, membership_id: int):
    """Give a member another role."""
    organisation = get_organisation(organisation_id, manage=True)
    membership = get_membership(organisation, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _member_changed(organisation, "Choisissez un rôle dans la liste.", "error")
    try:
        services.change_role(current_user, membership, form.role.data)
    except services.AccountError as error:
        return _member_changed(organisation, error.message, "error")
    return _member_changed(
        organisation,
        f"{membership.user.full_name} est maintenant {membership.role_label}.",
        "success",
    )


@bp.post("/organisations/<int:organisation_id>/membres/<int:membership_id>/desactiver")
@login_required
def deactivate_member(organisation_id: int, membership_id: int):
    """Remove a member's access to the organisation (their history stays)."""
    return _set_member_active(organisation_id, membership_id, active=False)


@bp.post("/organisations/<int:organisation_id>/membres/<int:membership_id>/reactiver")
@login_required
def reactivate_member(organisation_id: int, membership_id: int):
    """Give a deactivated member their access back."""
    return _set_member_active(organisation_id, membership_id, active=True)


def _set_member_active(organisation_id: int, membership_id: int, active: bool):
    organisation = get_organisation(organisation_id, manage=True)
    membership = get_membership(organisation, membership_id)
    try:
        services.set_membership_active(current_user, membership, active)
    except services.AccountError as error:
        return _member_changed(organisation, error.message, "error")
    name = membership.user.full_name
    if active:
        message = f"{name} a retrouvé son accès."
    else:
        message = f"{name} n’a plus accès à l’organisation."
    return _member_changed(organisation, message, "success")


