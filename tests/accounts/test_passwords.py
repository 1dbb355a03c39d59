import re

import pytest

from app.accounts.passwords import hash_password, password_problem, verify_password
from tests import factories
from tests.conftest import outbox


@pytest.mark.parametrize("password", ["court", "onze-caract"])
def test_passwords_under_twelve_characters_are_refused(password):
    assert "au moins 12 caractères" in password_problem(password)


@pytest.mark.parametrize(
    "password", ["password1234", "123456789012", "azertyuiop12", "Azerty123456!", "aaaaaaaaaaaa"]
)
def test_common_passwords_are_refused(password):
    assert "trop courant" in password_problem(password)


@pytest.mark.parametrize("password", ["le café du matin", "tuteur en EHPAD depuis 2019",
                                      "ÉCOUTER-avant-de-parler"])
def test_passphrases_are_accepted_without_composition_rules(password):
    assert password_problem(password) is None


def test_a_password_that_repeats_the_email_is_refused():
    assert password_problem("camille.martin", "camille.martin@exemple.fr") is not None


def test_hashes_use_a_slow_kdf_and_verify():
    hashed = hash_password("le café du matin")
    assert hashed.startswith("scrypt:")
    assert verify_password(hashed, "le café du matin")
    assert not verify_password(hashed, "le cafe du matin")
    assert not verify_password(None, "le café du matin")


# --- Reset by e-mail ---------------------------------------------------------------


def _reset_path(app) -> str:
    return re.search(r"http://\S+?(/compte/reinitialiser/\S+)", outbox(app)[-1]).group(1)


def test_forgotten_password_is_reset_from_the_emailed_link(app, client, auth):
    with app.app_context():
        email = factories.make_user(factories.make_organisation()).email
    response = client.post("/compte/mot-de-passe-oublie", data={"email": email})
    assert response.status_code == 303
    assert f"To: {email}" in outbox(app)[-1]
    path = _reset_path(app)
    response = client.post(path, data={"password": "un nouveau départ serein",
                                       "confirm": "un nouveau départ serein"})
    assert response.status_code == 303
    auth.logout()
    assert auth.login(email, "un nouveau départ serein").status_code == 303
    auth.logout()
    assert auth.login(email).status_code == 422  # the old password no longer works


def test_reset_link_is_single_use(app, client):
    with app.app_context():
        email = factories.make_user().email
    client.post("/compte/mot-de-passe-oublie", data={"email": email})
    path = _reset_path(app)
    data = {"password": "un nouveau départ serein", "confirm": "un nouveau départ serein"}
    assert client.post(path, data=data).status_code == 303
    client.post("/compte/deconnexion")
    assert client.get(path).status_code == 410


def test_expired_reset_link_is_refused(app, client):
    from datetime import timedelta

    from app.accounts.models import utcnow

    with app.app_context():
        user = factories.make_user()
        _, token = factories.make_password_reset(user, expires_at=utcnow() - timedelta(seconds=1))
    response = client.get(f"/compte/reinitialiser/{token}")
    assert response.status_code == 410
    assert "n’est plus valable" in response.get_data(as_text=True)


def test_unknown_address_gets_the_same_answer_and_no_mail(app, client):
    response = client.post("/compte/mot-de-passe-oublie", data={"email": "inconnu@exemple.fr"},
                           follow_redirects=True)
    assert "Si un compte existe pour cette adresse" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_reset_link_uses_the_configured_address_not_the_host_header(app, client):
    with app.app_context():
        email = factories.make_user().email
    client.post("/compte/mot-de-passe-oublie", data={"email": email},
                headers={"Host": "evil.example"})
    assert "evil.example" not in outbox(app)[-1]
    assert "http://127.0.0.1:5000/compte/reinitialiser/" in outbox(app)[-1]


def test_mismatched_confirmation_is_shown_next_to_the_field(app, client):
    with app.app_context():
        _, token = factories.make_password_reset(factories.make_user())
    response = client.post(f"/compte/reinitialiser/{token}",
                           data={"password": "un nouveau départ serein", "confirm": "autre"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="confirm-erreur"' in page and "pas identiques" in page


# --- Change while logged in -----------------------------------------------------------


def test_change_password_requires_the_current_one(app, client, auth):
    with app.app_context():
        email = factories.make_user().email
    auth.login(email)
    response = client.post("/compte/mot-de-passe", data={
        "current_password": "pas le bon", "password": "un nouveau départ serein",
        "confirm": "un nouveau départ serein"})
    assert response.status_code == 422
    assert "Le mot de passe actuel est incorrect." in response.get_data(as_text=True)
    response = client.post("/compte/mot-de-passe", data={
        "current_password": factories.PASSWORD, "password": "un nouveau départ serein",
        "confirm": "un nouveau départ serein"})
    assert response.status_code == 303
    assert client.get("/compte").status_code == 200  # this session goes on
