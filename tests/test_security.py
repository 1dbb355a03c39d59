"""CSRF, security headers, cookies, secrets, limits and French error pages."""

import pytest

from app import create_app
from tests import factories
from tests.conftest import make_app


@pytest.fixture
def csrf_app(app, second_app):
    app = second_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        email = factories.make_user(factories.make_organisation()).email
    return app, email


def _token(client) -> str:
    page = client.get("/compte/connexion").get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_post_without_csrf_token_is_refused_in_french(csrf_app):
    app, email = csrf_app
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": email,
                                                     "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert client.get("/compte").status_code == 302  # not logged in


def test_htmx_post_without_csrf_header_is_refused(csrf_app):
    app, email = csrf_app
    client = app.test_client()
    token = _token(client)
    client.post("/compte/connexion", data={"email": email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    response = client.post("/compte/deconnexion-partout", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert client.get("/compte").status_code == 200  # still logged in: nothing changed


def test_htmx_post_with_the_csrf_header_from_body_hx_headers_passes(csrf_app):
    app, email = csrf_app
    client = app.test_client()
    client.post("/compte/connexion", data={"email": email, "password": factories.PASSWORD,
                                           "csrf_token": _token(client)})
    page = client.get("/").get_data(as_text=True)
    header_token = page.split('hx-headers=\'{"X-CSRFToken": "')[1].split('"')[0]
    response = client.post("/compte/deconnexion-partout",
                           headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert response.status_code == 303


def test_security_headers_on_every_page(client):
    response = client.get("/compte/connexion")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script_or_style(client):
    page = client.get("/compte/connexion").get_data(as_text=True)
    assert "<script>" not in page and " on" + "click=" not in page and "style=" not in page
    assert '"allowEval": false' in page and '"includeIndicatorStyles": false' in page


def test_session_cookie_is_httponly_and_samesite_lax(client):
    client.get("/compte/connexion")
    cookie = client.get_cookie("compagnon_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # development: served over plain http


def test_production_requires_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPAGNON_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("COMPAGNON_INSTANCE", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPAGNON_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-production-secret")
    monkeypatch.setenv("COMPAGNON_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_development_secret_is_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("COMPAGNON_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("COMPAGNON_INSTANCE", str(tmp_path / "one"))
    first = create_app().config["SECRET_KEY"]
    assert create_app().config["SECRET_KEY"] == first  # every worker shares it
    monkeypatch.setenv("COMPAGNON_INSTANCE", str(tmp_path / "two"))
    assert create_app().config["SECRET_KEY"] != first  # another instance shares nothing


def test_two_instances_never_share_files(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COMPAGNON_INSTANCE", str(tmp_path / "one"))
    one = create_app().config
    monkeypatch.setenv("COMPAGNON_INSTANCE", str(tmp_path / "two"))
    two = create_app().config
    for key in ("SQLALCHEMY_DATABASE_URI", "OUTBOX_DIR", "UPLOADS_DIR", "SEARCH_INDEX_DIR"):
        assert str(tmp_path / "one") in one[key]
        assert str(tmp_path / "two") in two[key]


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [("/nulle-part", 404, "Page introuvable"), ("/healthz/", 404, "Page introuvable")],
)
def test_error_pages_are_french(client, path, status, title):
    response = client.get(path)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert title in page and '<html lang="fr">' in page


def test_oversized_requests_are_refused_with_413(client):
    response = client.post("/compte/connexion", data={"email": "x" * (21 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def test_server_errors_get_a_french_page(app):
    @app.get("/boum")
    def boom():
        raise RuntimeError("boum")

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boum")
    assert response.status_code == 500
    assert "Erreur du serveur" in response.get_data(as_text=True)


def test_forbidden_page_is_french(app, client, auth):
    with app.app_context():
        email = factories.make_user(factories.make_organisation()).email
    auth.login(email)
    response = client.get("/admin")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'absent' / 'nope.db'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
