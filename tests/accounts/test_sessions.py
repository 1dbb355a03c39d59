"""Session version: one bump ends every session of a person, on every device."""

import time

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests import factories


def _two_devices(app, **overrides):
    with app.app_context():
        org = factories.make_organisation()
        user = factories.make_user(org, "tutor", **overrides)
        email = user.email
    phone, laptop = app.test_client(), app.test_client()
    for client in (phone, laptop):
        response = client.post("/compte/connexion",
                               data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 303
    return email, phone, laptop


def test_logout_everywhere_ends_the_other_devices_sessions(app):
    _, phone, laptop = _two_devices(app)
    assert phone.post("/compte/deconnexion-partout").status_code == 303
    assert phone.get("/compte").status_code == 302
    assert laptop.get("/compte").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app):
    _, phone, laptop = _two_devices(app)
    response = phone.post("/compte/mot-de-passe", data={
        "current_password": factories.PASSWORD, "password": "un nouveau départ serein",
        "confirm": "un nouveau départ serein"})
    assert response.status_code == 303
    assert phone.get("/compte").status_code == 200
    assert laptop.get("/compte").status_code == 302


def test_deactivation_by_an_admin_ends_the_persons_sessions(app, auth):
    with app.app_context():
        dept = factories.make_organisation(kind="departement", sector=None)
        admin = factories.make_user(dept, "employer", is_admin=True)
        admin_email = admin.email
    email, phone, _ = _two_devices(app)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    auth.login(admin_email)
    assert auth.client.post(f"/admin/comptes/{user_id}/desactiver").status_code == 303
    assert phone.get("/compte").status_code == 302


def test_remember_me_lasts_fourteen_days_and_dies_with_the_session_version(app):
    with app.app_context():
        email = factories.make_user(factories.make_organisation()).email
    client = app.test_client()
    client.post("/compte/connexion",
                data={"email": email, "password": factories.PASSWORD, "remember": "y"})
    cookie = client.get_cookie("compagnon_remember")
    assert cookie is not None and cookie.http_only
    assert 13 * 86400 < (cookie.expires.timestamp() - time.time()) <= 14 * 86400
    # A new browser with only the remember-me cookie is logged in…
    other = app.test_client()
    other.set_cookie("compagnon_remember", cookie.value)
    assert other.get("/compte").status_code == 200
    # …until the person logs out everywhere.
    client.post("/compte/deconnexion-partout")
    stale = app.test_client()
    stale.set_cookie("compagnon_remember", cookie.value)
    assert stale.get("/compte").status_code == 302


def test_a_forged_session_id_without_version_is_refused(app, client, auth):
    with app.app_context():
        user = factories.make_user(factories.make_organisation())
        user_id = user.id
    auth.as_session(str(user_id))
    assert client.get("/compte").status_code == 302
    auth.as_session(f"{user_id}:99")
    assert client.get("/compte").status_code == 302
