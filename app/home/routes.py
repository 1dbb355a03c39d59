"""The home page ("Accueil") and the health check."""

from flask import jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from app.accounts.models import Invitation, Membership, Role, utcnow
from app.catalogue.queries import training_summary
from app.discussions.queries import home_summary
from app.extensions import db
from app.home import bp
from app.library.queries import library_summary
from app.search.sync import get_index
from app.web import render


@bp.get("/")
def index():
    """Each person's landing page: their organisations and what they can do next."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    managed = [m.organisation_id for m in current_user.active_memberships
               if m.role == Role.EMPLOYER]
    members, pending = {}, {}
    if managed:
        members = dict(db.session.execute(
            select(Membership.organisation_id, func.count(Membership.id))
            .where(Membership.organisation_id.in_(managed), Membership.active.is_(True))
            .group_by(Membership.organisation_id)
        ).all())
        pending = dict(db.session.execute(
            select(Invitation.organisation_id, func.count(Invitation.id))
            .where(
                Invitation.organisation_id.in_(managed),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .group_by(Invitation.organisation_id)
        ).all())
    return render("home/index.html", members=members, pending=pending,
                  library=library_summary(current_user),
                  training=training_summary(current_user),
                  discussions=home_summary(current_user))


@bp.get("/healthz")
def healthz():
    """Readiness for load balancers: the database answers and the index opens."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    try:
        get_index().check()
    except Exception:  # an unreadable index means "not ready" too
        return jsonify(status="error", index="unreadable"), 503
    return jsonify(status="ok")
