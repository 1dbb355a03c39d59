from app.accounts.models import User
from app.extensions import db
from tests import factories


def _login(app, auth):
    with app.app_context():
        user = factories.make_user(factories.make_organisation(), full_name="Karim Diallo")
        user_id, email = user.id, user.email
    auth.login(email)
    return user_id


def test_profile_is_saved(app, client, auth):
    user_id = _login(app, auth)
    response = client.post("/compte", data={"full_name": "Karim Diallo", "job_title":
                                            "Aide-soignant", "phone": "02 40 00 00 00"})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.job_title, user.phone) == ("Aide-soignant", "02 40 00 00 00")


def test_a_blank_name_is_refused_and_the_old_one_kept(app, client, auth):
    user_id = _login(app, auth)
    response = client.post("/compte", data={"full_name": "   ", "job_title": "", "phone": ""})
    assert response.status_code == 422
    assert 'id="full_name-erreur"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).full_name == "Karim Diallo"


def test_a_phone_number_must_look_like_one(app, client, auth):
    _login(app, auth)
    response = client.post("/compte", data={"full_name": "Karim Diallo", "phone": "abc"})
    assert response.status_code == 422
    assert "Saisissez un numéro de téléphone" in response.get_data(as_text=True)


def test_the_new_password_must_differ_from_the_current_one(app, client, auth):
    _login(app, auth)
    response = client.post("/compte/mot-de-passe", data={
        "current_password": factories.PASSWORD, "password": factories.PASSWORD,
        "confirm": factories.PASSWORD})
    assert response.status_code == 422
    assert "différent de l’actuel" in response.get_data(as_text=True)


def test_typography_leaves_attributes_and_code_as_typed():
    """An input's value sent back unchanged must not gain no-break spaces (they would be
    saved with the next submit); code is quoted as typed."""
    from app.web import french_spacing

    html = ('<input value="Premier jour : le livret ?" title="Qui ? Quand !">'
            '<p>Premier jour : le livret ?</p><code>x = a ? b : c</code>'
            '<p>« Bonjour »</p><textarea>a : b</textarea>')
    spaced = french_spacing(html)
    assert '<input value="Premier jour : le livret ?" title="Qui ? Quand !">' in spaced
    assert "<p>Premier jour\u00a0: le livret\u202f?</p>" in spaced
    assert "<code>x = a ? b : c</code>" in spaced
    assert "<p>«\u00a0Bonjour\u00a0»</p>" in spaced
    assert "<textarea>a : b</textarea>" in spaced


def test_pages_follow_french_typography(client):
    page = client.get("/compte/connexion").get_data(as_text=True)
    assert "Mot de passe oublié\u202f?" in page
    assert "oublié ?" not in page


def test_the_first_of_a_month_is_written_1er(app):
    from datetime import date

    with app.test_request_context():
        to_date = app.jinja_env.filters["date"]
        assert to_date(date(2026, 12, 1)) == "1er décembre 2026"
        assert to_date(date(2026, 12, 11)) == "11 décembre 2026"
        assert to_date(date(2026, 12, 1), "short") == "01/12/2026"
