from sqlalchemy import func, select

from app.accounts.models import Invitation, Membership, Organisation, User
from app.demo import ACCOUNTS, PASSWORD
from app.extensions import db
from tests.conftest import outbox


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Organisation, User, Membership, Invitation))


def test_users_create_makes_the_organisation_and_the_account(app, runner, client):
    result = runner.invoke(args=["users", "create", "rh@tilleuls.fr", "--name", "Sophie Lambert",
                                 "--password", "un accueil bien préparé",
                                 "--org", "EHPAD Les Tilleuls", "--role", "employer"])
    assert result.exit_code == 0, result.output
    assert "Compte prêt" in result.output
    response = client.post("/compte/connexion", data={"email": "rh@tilleuls.fr",
                                                     "password": "un accueil bien préparé"})
    assert response.status_code == 303
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert (org.name, org.kind) == ("EHPAD Les Tilleuls", "employer")


def test_users_create_admin_flag(app, runner):
    result = runner.invoke(args=["users", "create", "admin@dept.fr", "--name", "Claire Martin",
                                 "--password", "un accueil bien préparé", "--org", "Département",
                                 "--role", "employer", "--admin"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.is_admin))


def test_users_create_refuses_a_weak_password_and_an_unknown_role(runner):
    weak = runner.invoke(args=["users", "create", "a@b.fr", "--name", "A", "--password", "court",
                               "--org", "X", "--role", "tutor"])
    assert weak.exit_code != 0 and "12 caractères" in weak.output
    role = runner.invoke(args=["users", "create", "a@b.fr", "--name", "A", "--password",
                               "un accueil bien préparé", "--org", "X", "--role", "chef"])
    assert role.exit_code != 0


def test_demo_load_is_idempotent_and_lists_the_accounts(app, runner, client):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert _counts(app) == counts
    assert len(outbox(app)) == 1  # the demo invitation was sent once
    for email, *_ in ACCOUNTS:
        assert email in second.output
    tutor = {"email": "tuteur.tilleuls@demo.compagnon.fr", "password": PASSWORD}
    response = client.post("/compte/connexion", data=tutor)
    assert response.status_code == 303


def test_demo_community_has_the_promised_organisations_and_roles(app, runner):
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        orgs = {o.name: (o.kind, o.sector) for o in db.session.scalars(select(Organisation))}
        assert orgs["EHPAD Les Tilleuls"] == ("employer", "ehpad")
        assert orgs["Aide à domicile Loire Services"] == ("employer", "domicile")
        assert orgs["Mission Locale de l'Estuaire"] == ("support_service", None)
        assert orgs["Département"][0] == "departement"
        roles = {(m.user.email, m.organisation.name, m.role)
                 for m in db.session.scalars(select(Membership))}
        assert ("formatrice@demo.compagnon.fr", "Estuaire Compétences", "trainer") in roles
        assert ("referente@demo.compagnon.fr", "Mission Locale de l'Estuaire", "referent") in roles
        assert ("rh.loire@demo.compagnon.fr", "Aide à domicile Loire Services",
                "employer") in roles
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.compagnon.fr"))
        assert admin.is_admin


def test_demo_load_if_empty_leaves_an_existing_database_alone(app, runner):
    runner.invoke(args=["users", "create", "a@b.fr", "--name", "A B", "--password",
                        "un accueil bien préparé", "--org", "X", "--role", "tutor"])
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "démo non rechargée" in result.output
    assert _counts(app)[1] == 1
