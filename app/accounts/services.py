"""What people do with accounts: log in, reset a password, invite, manage members.

Each service checks the policy, owns the single commit and raises an
AccountError with a French message that the route shows next to the field.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.accounts import policy
from app.accounts.models import (
    Invitation,
    LoginFailure,
    Membership,
    Organisation,
    OrganisationKind,
    PasswordReset,
    Role,
    User,
    utcnow,
)
from app.accounts.passwords import hash_password, password_problem, verify_password
from app.extensions import db
from app.mailer import external_url, send_mail


class AccountError(Exception):
    """A refused action; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class LoginThrottled(AccountError):
    pass


class PermissionDenied(AccountError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_token() -> tuple[str, str]:
    """A 256-bit URL-safe token and the SHA-256 kept in the database."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Login and throttling -------------------------------------------------


def locked_until(failures: list[datetime], now: datetime, limit: int, window: timedelta):
    """When a run of `limit` failures within `window` locks the account, the end of the lock.

    The lock lasts `window` from the failure that completed the run.
    """
    times = sorted(failures)
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window and times[i] + window > now:
            return times[i] + window
    return None


def authenticate(email: str, password: str, now: datetime | None = None) -> User:
    """The user for these credentials; raises LoginThrottled or AccountError.

    The answer is the same whether or not an account has this e-mail.
    """
    now = now or utcnow()
    email = normalise_email(email)
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    recent = db.session.scalars(
        select(LoginFailure.failed_at).where(
            LoginFailure.email == email, LoginFailure.failed_at > now - 2 * window
        )
    ).all()
    if until := locked_until(list(recent), now, limit, window):
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise LoginThrottled(
            "Trop de tentatives de connexion pour ce compte. Par sécurité, réessayez dans "
            f"{minutes} minute{'s' if minutes > 1 else ''} ou réinitialisez votre mot de passe."
        )
    user = db.session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        db.session.add(LoginFailure(email=email, failed_at=now))
        db.session.commit()
        raise AccountError("Adresse e-mail ou mot de passe incorrect.")
    if not user.active:
        # Only someone who knows the password learns this: tell them what to do.
        raise AccountError(
            "Votre accès à Compagnon a été désactivé. Si c’est une erreur, contactez "
            "votre employeur·e ou l’équipe du Département."
        )
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    user.last_login_at = now
    db.session.commit()
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of this person."""
    user.session_version = User.session_version + 1
    db.session.commit()
    db.session.refresh(user)


# --- Passwords --------------------------------------------------------------


def _check_new_password(password: str, confirm: str, email: str, full_name: str) -> None:
    if problem := password_problem(password, email, full_name):
        raise AccountError(problem, field="password")
    if password != confirm:
        raise AccountError("Les deux mots de passe ne sont pas identiques.", field="confirm")


def change_password(user: User, current: str, password: str, confirm: str) -> None:
    """Set a new password after checking the current one; ends every other session."""
    if not verify_password(user.password_hash, current):
        raise AccountError("Le mot de passe actuel est incorrect.", field="current_password")
    if password == current:
        raise AccountError("Choisissez un mot de passe différent de l’actuel.", field="password")
    _check_new_password(password, confirm, user.email, user.full_name)
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this e-mail; silent otherwise."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return
    token, token_hash = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordReset(
            user=user, token_hash=token_hash, expires_at=utcnow() + timedelta(hours=hours)
        )
    )
    db.session.commit()
    send_mail(
        user.email,
        "Réinitialiser votre mot de passe Compagnon",
        "password_reset",
        user=user,
        link=external_url("accounts.reset_password", token=token),
        hours=hours,
    )


def find_password_reset(token: str) -> PasswordReset:
    """The live reset request for this token; raises AccountError when unusable."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise AccountError(
            "Ce lien de réinitialisation n’est plus valable : il a déjà servi ou a expiré. "
            "Demandez-en un nouveau."
        )
    return reset


def reset_password(token: str, password: str, confirm: str) -> User:
    """Set the password from a reset link (single use); ends every session."""
    reset = find_password_reset(token)
    user = reset.user
    _check_new_password(password, confirm, user.email, user.full_name)
    user.password_hash = hash_password(password)
    reset.used_at = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    end_all_sessions(user)
    return user


# --- Profile ----------------------------------------------------------------


def update_profile(user: User, full_name: str, job_title: str, phone: str) -> None:
    """Save the person's own name, job title and phone number."""
    if not full_name.strip():
        raise AccountError("Ce champ est obligatoire.", field="full_name")
    user.full_name = full_name.strip()
    user.job_title = job_title.strip() or None
    user.phone = phone.strip() or None
    db.session.commit()


# --- Organisations and invitations ----------------------------------------


def create_organisation(
    actor: User, name: str, kind: str, sector: str | None, city: str | None = None
) -> Organisation:
    """Create an organisation (admins only); raises AccountError on a taken name."""
    if not policy.can_administer(actor):
        raise PermissionDenied("Seul·es les administrateur·rices créent des organisations.")
    name = " ".join(name.split())
    taken = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    )
    if taken:
        raise AccountError("Une organisation porte déjà ce nom.", field="name")
    organisation = Organisation(
        name=name,
        kind=kind,
        sector=sector if kind == OrganisationKind.EMPLOYER else None,
        city=(city or "").strip() or None,
    )
    db.session.add(organisation)
    db.session.commit()
    return organisation


def invite(
    actor: User, organisation: Organisation, email: str, role: str, full_name: str = ""
) -> Invitation:
    """Invite a person into an organisation and mail them the link.

    An earlier pending invitation of the same person to the same organisation is
    replaced. Raises PermissionDenied or AccountError (already a member).
    """
    if not policy.can_manage_members(actor, organisation):
        raise PermissionDenied("Vous ne gérez pas les membres de cette organisation.")
    if role not in {r.value for r in Role}:
        raise AccountError("Choisissez un rôle dans la liste.", field="role")
    email = normalise_email(email)
    already = db.session.scalar(
        select(Membership.id)
        .join(User)
        .where(
            User.email == email,
            Membership.organisation_id == organisation.id,
            Membership.active.is_(True),
        )
    )
    if already:
        raise AccountError("Cette personne fait déjà partie de l’organisation.", field="email")
    now = utcnow()
    # Two requests sent at once (a double click) must leave a single pending
    # invitation: lock the organisation's row (PostgreSQL), and make the UPDATE the
    # first write (SQLite takes its write lock there).
    db.session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.email == email,
            Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token, token_hash = new_token()
    days = current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        email=email,
        full_name=full_name.strip() or None,
        organisation=organisation,
        role=role,
        token_hash=token_hash,
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.commit()
    send_mail(
        email,
        f"Invitation à rejoindre {organisation.name} sur Compagnon",
        "invitation",
        invitation=invitation,
        link=external_url("accounts.accept_invitation", token=token),
        days=days,
    )
    return invitation


def find_invitation(token: str) -> Invitation:
    """The pending invitation for this token; raises AccountError otherwise."""
    invitation = db.session.scalar(
        select(Invitation)
        .options(selectinload(Invitation.organisation))
        .where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise AccountError(
            "Ce lien d’invitation n’est pas valable. Vérifiez que vous avez copié le lien "
            "en entier, ou demandez une nouvelle invitation."
        )
    if invitation.revoked_at is not None:
        raise AccountError(
            "Cette invitation a été annulée, ou remplacée par une invitation plus récente : "
            "utilisez le lien du dernier e-mail reçu, ou demandez une nouvelle invitation."
        )
    if invitation.accepted_at is not None:
        raise AccountError(
            "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail."
        )
    if invitation.expires_at <= utcnow():
        raise AccountError(
            "Cette invitation a expiré. Demandez à la personne qui vous a invité·e "
            "de vous en envoyer une nouvelle."
        )
    return invitation


def existing_account(invitation: Invitation) -> User | None:
    return db.session.scalar(select(User).where(User.email == invitation.email))


def accept_invitation(
    token: str, full_name: str = "", password: str = "", confirm: str = ""
) -> User:
    """Use an invitation: create the account (or reuse it) and the membership."""
    invitation = find_invitation(token)
    user = existing_account(invitation)
    if user is None or user.password_hash is None:
        if not full_name.strip():
            raise AccountError("Indiquez votre prénom et votre nom.", field="full_name")
        _check_new_password(password, confirm, invitation.email, full_name)
        if user is None:
            user = User(email=invitation.email, full_name=full_name.strip())
            db.session.add(user)
        user.full_name = full_name.strip()
        user.password_hash = hash_password(password)
    user.active = True
    _join(user, invitation.organisation, invitation.role)
    invitation.accepted_at = utcnow()
    db.session.commit()
    return user


def _join(user: User, organisation: Organisation, role: str) -> Membership:
    membership = next(
        (m for m in user.memberships if m.organisation_id == organisation.id), None
    )
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
        db.session.add(membership)
    membership.role = role
    membership.active = True
    return membership


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if not policy.can_manage_members(actor, invitation.organisation):
        raise PermissionDenied("Vous ne gérez pas les membres de cette organisation.")
    invitation.revoked_at = utcnow()
    db.session.commit()


# --- Members ------------------------------------------------------------------


def _active_employers(organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == organisation_id,
            Membership.role == Role.EMPLOYER,
            Membership.active.is_(True),
        )
    )


def has_active_employer(organisation: Organisation) -> bool:
    return _active_employers(organisation.id) > 0


def _keeps_an_employer(membership: Membership) -> None:
    org = membership.organisation
    if (
        org.kind == OrganisationKind.EMPLOYER
        and membership.role == Role.EMPLOYER
        and membership.active
        and _active_employers(org.id) <= 1
    ):
        raise AccountError(
            "L’organisation doit garder au moins un·e employeur·e actif·ve : "
            "invitez d’abord la personne qui prendra le relais."
        )


def change_role(actor: User, membership: Membership, role: str) -> None:
    """Give a member another role in the organisation."""
    if not policy.can_change_membership(actor, membership):
        raise PermissionDenied("Vous ne pouvez pas modifier ce rôle.")
    if role not in {r.value for r in Role}:
        raise AccountError("Choisissez un rôle dans la liste.", field="role")
    if role != membership.role:
        _keeps_an_employer(membership)
    membership.role = role
    db.session.commit()


def set_membership_active(actor: User, membership: Membership, active: bool) -> None:
    """Deactivate or reactivate a member; a person left with no organisation cannot log in."""
    if not policy.can_change_membership(actor, membership):
        raise PermissionDenied("Vous ne pouvez pas modifier ce membre.")
    if not active:
        _keeps_an_employer(membership)
    membership.active = active
    user = membership.user
    if active:
        user.active = True
    elif not user.is_admin and not any(m.active for m in user.memberships):
        user.active = False
        user.session_version = User.session_version + 1
    db.session.commit()


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Admins deactivate or reactivate an account; deactivation ends its sessions."""
    if not policy.can_administer(actor) or actor.id == user.id:
        raise PermissionDenied("Vous ne pouvez pas modifier ce compte.")
    user.active = active
    if not active:
        user.session_version = User.session_version + 1
    db.session.commit()


def create_user(
    email: str, full_name: str, password: str, organisation_name: str, role: str,
    is_admin: bool = False,
) -> User:
    """Create (or update) an account with a membership; used by the CLI and the demo."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"Rôle inconnu : {role}", field="role")
    if problem := password_problem(password, email, full_name):
        raise AccountError(problem, field="password")
    email = normalise_email(email)
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.name == organisation_name)
    )
    if organisation is None:
        kind = OrganisationKind.DEPARTEMENT if is_admin else OrganisationKind.EMPLOYER
        organisation = Organisation(name=organisation_name, kind=kind)
        db.session.add(organisation)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=full_name)
        db.session.add(user)
    user.full_name = full_name
    user.password_hash = hash_password(password)
    user.is_admin = user.is_admin or is_admin
    user.active = True
    _join(user, organisation, role)
    db.session.commit()
    return user
