"""Who may do what with practice sheets: employers write, trainers publish, tutors read."""

import pytest

from tests.library.conftest import add_member, attach, make_sheet, practice, sheet_form


def test_employer_writes_a_draft_for_their_own_organisation(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(world.org))
    assert response.status_code == 303
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    sheet = practice(app, slug)
    assert sheet.organisation_id == world.org and sheet.status == "draft"
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "Brouillon" in page and "Le café d’accueil du lundi" in page


def test_employer_cannot_write_for_another_organisation(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(world.other))
    assert response.status_code == 422
    assert practice(app, "le-cafe-d-accueil-du-lundi") is None


def test_employer_cannot_edit_another_organisations_sheet(app, client, login, world):
    slug = make_sheet(app, world.other, title="La fiche des Glycines")
    login("employer")
    assert client.get(f"/pratiques/{slug}/modifier").status_code == 403
    response = client.post(f"/pratiques/{slug}/modifier",
                           data=sheet_form(title="Détournée"))
    assert response.status_code == 403
    assert [r.title for r in practice(app, slug).revisions] == ["La fiche des Glycines"]


def test_employer_never_publishes_not_even_their_own_sheet(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    client.post(f"/pratiques/{slug}/soumettre")
    assert client.post(f"/pratiques/{slug}/publier").status_code == 403
    assert client.post(f"/pratiques/{slug}/renvoyer",
                       data={"comment": "Parfait"}).status_code == 403
    assert client.get("/pratiques/a-relire").status_code == 403
    assert "/pratiques/a-relire" not in client.get("/pratiques").get_data(as_text=True)
    assert practice(app, slug).status == "draft"


def test_trainer_publishes_a_submitted_sheet(app, client, login, world):
    slug = make_sheet(app, world.org, published=False, title="Le parrainage")
    login("employer")
    client.post(f"/pratiques/{slug}/soumettre")
    login("trainer")
    assert 'href="/pratiques/a-relire"' in client.get("/pratiques").get_data(as_text=True)
    queue = client.get("/pratiques/a-relire").get_data(as_text=True)
    assert "Le parrainage" in queue and "Nouvelle fiche" in queue
    response = client.post(f"/pratiques/{slug}/publier", follow_redirects=True)
    assert "Fiche publiée" in response.get_data(as_text=True)
    assert practice(app, slug).status == "published"


def test_sending_back_needs_a_comment(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    client.post(f"/pratiques/{slug}/soumettre")
    login("trainer")
    page = client.post(f"/pratiques/{slug}/renvoyer", data={"comment": "   "},
                       follow_redirects=True).get_data(as_text=True)
    assert "Expliquez ce qui est à reprendre." in page
    assert practice(app, slug).revisions[-1].status == "submitted"


@pytest.mark.parametrize("role", ["tutor", "other_employer", "other_tutor"])
def test_a_draft_is_invisible_to_people_outside_its_organisation_employers(
        app, client, login, world, role):
    slug = make_sheet(app, world.org, published=False, title="Brouillon secret")
    login(role)
    assert client.get(f"/pratiques/{slug}").status_code == 404
    assert "Brouillon secret" not in client.get("/pratiques").get_data(as_text=True)
    assert client.post(f"/pratiques/{slug}/utile", data={"utile": "oui"}).status_code == 404
    assert client.post(f"/pratiques/{slug}/adopter").status_code == 404


def test_a_draft_is_never_listed_even_for_its_authors(app, client, login, world):
    slug = make_sheet(app, world.org, published=False, title="Brouillon en cours")
    attach(app, slug, "Grille brouillon.pdf")
    login("employer")
    assert "Brouillon en cours" not in client.get("/pratiques").get_data(as_text=True)
    assert "Grille brouillon.pdf" not in client.get("/outils").get_data(as_text=True)
    login("trainer")
    assert "Brouillon en cours" not in client.get("/pratiques").get_data(as_text=True)
    assert "Grille brouillon.pdf" not in client.get("/outils").get_data(as_text=True)


def test_tutors_read_published_sheets_but_write_nothing(app, client, login, world):
    slug = make_sheet(app, world.other, title="Le binôme à domicile")
    login("tutor")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "Le binôme à domicile" in page and "Modifier" not in page
    assert "Écrire une fiche" not in client.get("/pratiques").get_data(as_text=True)
    assert client.get("/pratiques/nouvelle").status_code == 403
    assert client.post("/pratiques/nouvelle", data=sheet_form()).status_code == 403
    assert client.get(f"/pratiques/{slug}/modifier").status_code == 403
    assert client.post(f"/pratiques/{slug}/publier").status_code == 403
    assert client.get("/pratiques/mes-contributions").status_code == 403


def test_an_employer_of_the_organisation_sees_and_edits_a_colleagues_draft(
        app, client, auth, login, world):
    colleague = add_member(app, world.org, "employer")
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(world.org))
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    auth.as_session(colleague)
    assert client.get(f"/pratiques/{slug}").status_code == 200
    response = client.post(f"/pratiques/{slug}/modifier", data=sheet_form(title="Corrigée"))
    assert response.status_code == 303
    assert practice(app, slug).title == "Corrigée"



def test_an_admin_reviews_like_a_trainer(app, client, auth, world):
    with app.app_context():
        from tests import factories
        departement = factories.make_organisation(kind="departement", sector=None)
        auth.as_session(factories.make_user(departement, "employer", is_admin=True).get_id())
    slug = make_sheet(app, world.org, published=False)
    assert client.post(f"/pratiques/{slug}/publier").status_code == 303
    assert practice(app, slug).status == "published"


def test_an_employer_whose_membership_ended_no_longer_edits(app, client, login, world):
    from app.accounts.models import Membership
    from app.extensions import db

    slug = make_sheet(app, world.org, published=False)
    with app.app_context():
        membership = db.session.scalar(db.select(Membership).where(
            Membership.user_id == world.ids["employer"]))
        membership.active = False
        db.session.commit()
    login("employer")
    assert client.get(f"/pratiques/{slug}").status_code == 404
    assert client.post(f"/pratiques/{slug}/modifier", data=sheet_form()).status_code == 403
