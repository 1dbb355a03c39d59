from datetime import timedelta

from app.accounts import services
from app.accounts.models import LoginFailure, utcnow
from app.extensions import db
from tests import factories


def _user(app, **overrides):
    with app.app_context():
        org = factories.make_organisation()
        user = factories.make_user(org, "tutor", **overrides)
        return user.email


def test_login_lands_on_home_with_the_persons_name(app, client, auth):
    email = _user(app, full_name="Karim Diallo")
    response = auth.login(email)
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Bonjour Karim Diallo" in page


def test_login_accepts_any_case_and_spaces_in_the_email(app, auth):
    email = _user(app)
    assert auth.login(f"  {email.upper()} ").status_code == 303


def test_wrong_password_is_refused_with_a_french_message(app, auth):
    email = _user(app)
    response = auth.login(email, "pas le bon mot de passe")
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_unknown_account_gets_the_same_answer(app, auth):
    _user(app)
    response = auth.login("personne@inconnu.fr", "pas le bon mot de passe")
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_empty_fields_are_flagged_next_to_each_field(client):
    response = client.post("/compte/connexion", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-erreur"' in page and 'aria-describedby="email-erreur"' in page
    assert 'id="password-erreur"' in page


def test_login_redirects_to_next_but_never_off_site(app, auth):
    email = _user(app)
    response = auth.client.post("/compte/connexion?next=/compte",
                                data={"email": email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/compte"
    auth.logout()
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        response = auth.client.post(f"/compte/connexion?next={target}",
                                    data={"email": email, "password": factories.PASSWORD})
        assert response.headers["Location"] == "/", target
        auth.logout()


def test_logout_is_a_post_and_ends_the_session(app, client, auth):
    email = _user(app)
    auth.login(email)
    assert client.get("/compte/deconnexion").status_code == 405
    assert client.get("/compte").status_code == 200
    auth.logout()
    assert client.get("/compte").status_code == 302


def test_session_is_renewed_at_login(app, client, auth):
    email = _user(app)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].endswith(":1")


def test_deactivated_account_cannot_log_in_and_is_told_why(app, auth):
    email = _user(app, active=False)
    response = auth.login(email)
    assert response.status_code == 422
    assert "Votre accès à Compagnon a été désactivé" in response.get_data(as_text=True)
    # Without the right password, nothing tells the account exists or is deactivated.
    response = auth.login(email, "pas le bon mot de passe")
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


# --- Throttling -----------------------------------------------------------------


def test_sixth_attempt_is_refused_even_with_the_right_password(app, auth):
    email = _user(app)
    for _ in range(5):
        assert auth.login(email, "mauvais mot de passe").status_code == 422
    response = auth.login(email)
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.get_data(as_text=True)


def test_throttling_answers_the_same_for_an_unknown_account(app, auth):
    for _ in range(5):
        auth.login("fantome@exemple.fr", "mauvais mot de passe")
    response = auth.login("fantome@exemple.fr", "mauvais mot de passe")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.get_data(as_text=True)


def test_throttling_holds_across_app_instances_sharing_the_database(app, auth, second_app):
    email = _user(app)
    for _ in range(5):
        auth.login(email, "mauvais mot de passe")
    second = second_app()
    response = second.test_client().post(
        "/compte/connexion", data={"email": email, "password": factories.PASSWORD}
    )
    assert response.status_code == 429


def test_lock_lasts_fifteen_minutes_from_the_fifth_failure(app):
    with app.app_context():
        email = factories.make_user().email
        start = utcnow() - timedelta(minutes=20)
        for minute in range(5):
            db.session.add(LoginFailure(email=email, failed_at=start + timedelta(minutes=minute)))
        db.session.commit()
        # The fifth failure was 16 minutes ago: the lock is over.
        assert services.authenticate(email, factories.PASSWORD).email == email


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock():
    now = utcnow()
    spread = [now - timedelta(minutes=m) for m in (1, 5, 10, 14, 20)]
    window = timedelta(minutes=15)
    assert services.locked_until(spread, now, 5, window) is None
    close = [now - timedelta(minutes=m) for m in (1, 2, 3, 4, 5)]
    assert services.locked_until(close, now, 5, window) == close[0] + window


def test_successful_login_clears_earlier_failures(app, auth):
    email = _user(app)
    for _ in range(4):
        auth.login(email, "mauvais mot de passe")
    assert auth.login(email).status_code == 303
    auth.logout()
    for _ in range(4):
        auth.login(email, "mauvais mot de passe")
    assert auth.login(email).status_code == 303
