import re
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Invitation, Membership, User, utcnow
from app.extensions import db
from tests import factories
from tests.conftest import outbox


def _employer(app):
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        employer = factories.make_user(org, "employer", full_name="Sophie Lambert")
        return org.id, employer.email


def _invite(client, org_id, email="lea@exemple.fr", role="tutor", name="Léa Fontaine"):
    return client.post(f"/compte/organisations/{org_id}/invitations",
                       data={"email": email, "role": role, "full_name": name})


def _link(app) -> str:
    mail = outbox(app)[-1]
    return re.search(r"http://\S+/compte/invitation/(\S+)", mail).group(0)


def test_employer_invites_and_the_person_sets_a_password(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    response = _invite(client, org_id)
    assert response.status_code == 303
    mail = outbox(app)[-1]
    assert "To: lea@exemple.fr" in mail
    assert "Sophie Lambert vous invite à rejoindre EHPAD Les Tilleuls" in mail
    link = _link(app)
    auth.logout()

    path = link.split("127.0.0.1:5000")[1]
    page = client.get(path).get_data(as_text=True)
    assert "Rejoindre EHPAD Les Tilleuls" in page and 'value="Léa Fontaine"' in page
    response = client.post(path, data={"full_name": "Léa Fontaine",
                                       "password": "un accueil bien préparé",
                                       "confirm": "un accueil bien préparé"})
    assert response.status_code == 303
    assert "Bonjour Léa Fontaine" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lea@exemple.fr"))
        assert [(m.organisation.name, m.role) for m in user.memberships] == [
            ("EHPAD Les Tilleuls", "tutor")
        ]


def test_token_has_at_least_128_bits_and_only_its_hash_is_stored(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    _invite(client, org_id)
    token = _link(app).rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes in URL-safe base64
    with app.app_context():
        stored = db.session.scalar(select(Invitation.token_hash))
        assert token not in stored and len(stored) == 64


def test_a_used_invitation_cannot_be_used_again(app, client):
    with app.app_context():
        org = factories.make_organisation()
        _, token = factories.make_invitation(org)
    data = {"full_name": "Léa Fontaine", "password": "un accueil bien préparé",
            "confirm": "un accueil bien préparé"}
    assert client.post(f"/compte/invitation/{token}", data=data).status_code == 303
    client.post("/compte/deconnexion")
    response = client.post(f"/compte/invitation/{token}", data=data)
    assert response.status_code == 410
    assert "déjà été utilisée" in response.get_data(as_text=True)


def test_an_expired_invitation_is_refused(app, client):
    with app.app_context():
        org = factories.make_organisation()
        _, token = factories.make_invitation(org, expires_at=utcnow() - timedelta(minutes=1))
    response = client.get(f"/compte/invitation/{token}")
    assert response.status_code == 410
    assert "a expiré" in response.get_data(as_text=True)


def test_invitations_last_fourteen_days(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    _invite(client, org_id)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.expires_at - invitation.created_at == timedelta(days=14)


def test_a_wrong_token_is_refused(client):
    response = client.get("/compte/invitation/nimporte-quoi")
    assert response.status_code == 410
    assert "pas valable" in response.get_data(as_text=True)


def test_weak_password_is_refused_next_to_the_field_and_the_invitation_stays_usable(app, client):
    with app.app_context():
        org = factories.make_organisation()
        _, token = factories.make_invitation(org)
    response = client.post(f"/compte/invitation/{token}",
                           data={"full_name": "Léa", "password": "azerty123456",
                                 "confirm": "azerty123456"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="password-erreur"' in page and "trop courant" in page
    assert client.get(f"/compte/invitation/{token}").status_code == 200


def test_a_person_joins_a_second_organisation_with_their_account(app, client, auth):
    with app.app_context():
        first = factories.make_organisation(name="EHPAD Les Tilleuls")
        second = factories.make_organisation(name="SAAD Loire", sector="domicile")
        person = factories.make_user(first, "tutor", email="julie@exemple.fr")
        _, token = factories.make_invitation(second, email="julie@exemple.fr", role="tutor")
        person_id = person.id
    page = client.get(f"/compte/invitation/{token}").get_data(as_text=True)
    assert "Un compte existe déjà" in page
    assert client.post(f"/compte/invitation/{token}").status_code == 303
    with app.app_context():
        names = sorted(m.organisation.name for m in db.session.scalars(
            select(Membership).where(Membership.user_id == person_id)))
        assert names == ["EHPAD Les Tilleuls", "SAAD Loire"]
    # Their password did not change.
    assert auth.login("julie@exemple.fr").status_code == 303


def test_inviting_an_active_member_is_refused_next_to_the_email(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    response = _invite(client, org_id, email=employer)
    assert response.status_code == 422
    assert "fait déjà partie de l’organisation" in response.get_data(as_text=True)


def test_invalid_email_is_refused_in_french(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    response = _invite(client, org_id, email="pas-une-adresse")
    assert response.status_code == 422
    assert "Saisissez une adresse e-mail valide" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_inviting_again_replaces_the_earlier_link(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    _invite(client, org_id)
    first = _link(app).split("127.0.0.1:5000")[1]
    _invite(client, org_id)
    second = _link(app).split("127.0.0.1:5000")[1]
    auth.logout()
    replaced = client.get(first)
    assert replaced.status_code == 410
    assert "remplacée par une invitation plus récente" in replaced.get_data(as_text=True)
    assert client.get(second).status_code == 200


def test_revoked_invitation_stops_working(app, client, auth):
    org_id, employer = _employer(app)
    auth.login(employer)
    _invite(client, org_id)
    path = _link(app).split("127.0.0.1:5000")[1]
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
    response = client.post(f"/compte/organisations/{org_id}/invitations/{invitation_id}/annuler")
    assert response.status_code == 303
    auth.logout()
    assert client.get(path).status_code == 410


def test_a_tutor_cannot_invite(app, client, auth):
    with app.app_context():
        org = factories.make_organisation()
        tutor = factories.make_user(org, "tutor")
        org_id, email = org.id, tutor.email
    auth.login(email)
    assert _invite(client, org_id).status_code == 403
    assert outbox(app) == []


def test_admin_creates_an_organisation_and_invites_its_first_employer(app, client, auth):
    with app.app_context():
        dept = factories.make_organisation(name="Département", kind="departement", sector=None)
        admin = factories.make_user(dept, "employer", is_admin=True)
        email = admin.email
    auth.login(email)
    response = client.post("/admin/organisations/nouvelle",
                           data={"name": "SAAD Les Mouettes", "kind": "employer",
                                 "sector": "domicile", "city": "Pornic"})
    assert response.status_code == 303
    org_path = response.headers["Location"]
    org_id = int(org_path.rsplit("/", 1)[1])
    response = _invite(client, org_id, email="direction@mouettes.fr", role="employer")
    assert response.status_code == 303
    assert "To: direction@mouettes.fr" in outbox(app)[-1]
    assert "avec le rôle « Employeur·e / RH »" in outbox(app)[-1]


def test_a_double_click_leaves_a_single_pending_invitation(app, second_app):
    import threading

    org_id, employer = _employer(app)
    clients = [app.test_client(), second_app().test_client()]
    for client in clients:
        client.post("/compte/connexion", data={"email": employer,
                                               "password": factories.PASSWORD})
    barrier = threading.Barrier(2)

    def send(client):
        barrier.wait()
        _invite(client, org_id, email="double@exemple.fr")

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        pending = db.session.scalars(select(Invitation).where(
            Invitation.email == "double@exemple.fr", Invitation.revoked_at.is_(None))).all()
        assert len(pending) == 1
