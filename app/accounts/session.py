"""Sessions: who is logged in, and how a session starts, renews and ends.

The id stored in the session and the remember-me cookie is "user_id:session_version";
bumping a person's session_version ends all their sessions on every device.
"""

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership, User
from app.extensions import db, htmx


def install(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_key: str) -> User | None:
        user_id, _, version = user_key.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.scalar(
            select(User)
            .options(selectinload(User.memberships).selectinload(Membership.organisation))
            .where(User.id == int(user_id))
        )
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> Response:
        target = url_for("accounts.login", next=request.full_path.rstrip("?"))
        if htmx:
            # A swap of the login page into part of a page would be confusing.
            response = Response(status=401)
            response.headers["HX-Redirect"] = target
            return response
        flash(login_manager.login_message, "info")
        return redirect(target)


def start_session(user: User, remember: bool = False) -> None:
    """Log in with a fresh session: nothing from before the login survives."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = remember


def end_session() -> None:
    logout_user()
    session.clear()
