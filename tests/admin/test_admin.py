from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.extensions import db
from app.library.models import TaxonomyTerm
from tests import factories
from tests.conftest import counting_queries

HX = {"HX-Request": "true"}


def _admin(app):
    with app.app_context():
        dept = factories.make_organisation(name="Département", kind="departement", sector=None)
        return factories.make_user(dept, "employer", is_admin=True,
                                   full_name="Claire Martin").email


def test_dashboard_counts_organisations_and_accounts(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        factories.make_organisation()
    page = client.get("/admin").get_data(as_text=True)
    assert "Organisations" in page and "Invitations en attente" in page
    assert "<dt>Employeur</dt><dd>1</dd>" in page
    assert "<dt>Comptes</dt><dd>1</dd>" in page


def test_employer_without_sector_is_refused_next_to_the_field(app, client, auth):
    auth.login(_admin(app))
    response = client.post("/admin/organisations/nouvelle",
                           data={"name": "SAAD Sans Secteur", "kind": "employer", "sector": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="sector-erreur"' in page and "Choisissez le secteur" in page
    assert 'value="SAAD Sans Secteur"' in page  # what was typed is kept


def test_a_taken_name_is_refused_whatever_its_case(app, client, auth):
    auth.login(_admin(app))
    response = client.post("/admin/organisations/nouvelle",
                           data={"name": "  département ", "kind": "departement"})
    assert response.status_code == 422
    assert "Une organisation porte déjà ce nom." in response.get_data(as_text=True)


def test_sector_is_dropped_for_organisations_that_are_not_employers(app, client, auth):
    auth.login(_admin(app))
    client.post("/admin/organisations/nouvelle",
                data={"name": "Mission Locale", "kind": "support_service", "sector": "ehpad"})
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "Mission Locale"))
        assert org.kind == "support_service" and org.sector is None


def test_organisation_list_filters_by_kind_with_and_without_htmx(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        factories.make_organisation(name="EHPAD Les Tilleuls")
        factories.make_organisation(name="Mission Locale", kind="support_service", sector=None)
    whole = client.get("/admin/organisations?type=support_service").get_data(as_text=True)
    assert "<html" in whole and "Mission Locale" in whole and "EHPAD Les Tilleuls" not in whole
    part = client.get("/admin/organisations?type=employer", headers=HX).get_data(as_text=True)
    assert "<html" not in part and "EHPAD Les Tilleuls" in part and "Mission Locale" not in part


def test_user_search_finds_by_name_or_email_with_and_without_htmx(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        org = factories.make_organisation()
        factories.make_user(org, full_name="Karim Diallo", email="karim@tilleuls.fr")
        factories.make_user(org, full_name="Julie Perrin", email="julie@loire.fr")
    whole = client.get("/admin/comptes?q=diallo").get_data(as_text=True)
    assert "<html" in whole and "Karim Diallo" in whole and "Julie Perrin" not in whole
    part = client.get("/admin/comptes?q=LOIRE", headers=HX).get_data(as_text=True)
    assert "<html" not in part and "Julie Perrin" in part and "Karim Diallo" not in part


def test_user_search_ignores_accents_and_capitals_both_ways(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        org = factories.make_organisation()
        factories.make_user(org, full_name="Héloïse Lefèvre", email="hl@tilleuls.fr")
        factories.make_user(org, full_name="Elodie Martin", email="em@tilleuls.fr")
        renamed = factories.make_user(org, full_name="Jean Dupont", email="jd@tilleuls.fr")
        renamed.full_name = "Jérôme Dupont"  # a name changed later is found by its new spelling
        db.session.commit()
    for typed, found, not_found in (("heloise", "Héloïse Lefèvre", "Elodie Martin"),
                                    ("LEFEVRE", "Héloïse Lefèvre", "Elodie Martin"),
                                    ("élodie", "Elodie Martin", "Héloïse Lefèvre"),
                                    ("jerome", "Jérôme Dupont", "Elodie Martin")):
        page = client.get(f"/admin/comptes?q={typed}").get_data(as_text=True)
        assert found in page and not_found not in page, typed
    assert "Jérôme Dupont" not in client.get("/admin/comptes?q=jean").get_data(as_text=True)


def test_an_admin_cannot_deactivate_themself(app, client, auth):
    email = _admin(app)
    auth.login(email)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == email))
    assert client.post(f"/admin/comptes/{admin_id}/desactiver").status_code == 403


def test_list_pages_query_count_does_not_grow_with_rows(app, client, auth):
    auth.login(_admin(app))
    counts = []
    for _ in range(2):
        with app.app_context():
            for _ in range(10):
                org = factories.make_organisation()
                factories.make_user(org, "employer")
                factories.make_user(org, "tutor")
        with counting_queries(app) as organisations:
            client.get("/admin/organisations")
        with counting_queries(app) as users:
            client.get("/admin/comptes")
        counts.append((len(organisations), len(users)))
    assert counts[0] == counts[1]


def test_admin_renames_a_category_and_the_library_shows_it(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        term = db.session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.slug == "accueil"))
        factories.make_practice(factories.make_organisation(), category="accueil")
        term_id = term.id
    assert client.post(f"/admin/vocabulaires/{term_id}",
                       data={"label": "Accueil des nouveaux·elles"}).status_code == 303
    assert "Accueil des nouveaux·elles" in client.get("/pratiques").get_data(as_text=True)
    page = client.post(f"/admin/vocabulaires/{term_id}", data={"label": "  "},
                       follow_redirects=True).get_data(as_text=True)
    assert "entre 1 et 80 caractères" in page


def test_admin_adds_a_value_that_sheets_can_then_use(app, client, auth):
    auth.login(_admin(app))
    client.post("/admin/vocabulaires/ajouter", data={"kind": "sector", "label": "Petite enfance"})
    page = client.get("/admin/vocabulaires").get_data(as_text=True)
    assert "petite-enfance" in page
    again = client.post("/admin/vocabulaires/ajouter", data={"kind": "sector",
                                                             "label": "Petite enfance"},
                        follow_redirects=True).get_data(as_text=True)
    assert "existe déjà" in again


def test_user_search_treats_percent_and_underscore_as_characters(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        factories.make_user(factories.make_organisation(), full_name="Karim Diallo")
    page = client.get("/admin/comptes?q=%25").get_data(as_text=True)
    assert "Aucun compte pour" in page and "Karim Diallo" not in page


def test_admin_edits_the_search_synonyms_and_search_follows(app, client, auth):
    auth.login(_admin(app))
    with app.app_context():
        factories.make_practice(factories.make_organisation(), title="Le compagnonnage des "
                                "nouvelles recrues", body_md="Un binôme.")
    assert "tutorat" in client.get("/admin/synonymes").get_data(as_text=True)
    bad = client.post("/admin/synonymes", data={"thesaurus": "groups:\n  - [tuilage, a]\n"
                                                              "  - [tuilage, b]\n"})
    assert bad.status_code == 422
    assert 'id="thesaurus-erreur"' in bad.get_data(as_text=True)
    assert client.get("/recherche?q=tuilage").get_data(as_text=True).count("<mark>") == 0
    good = client.post("/admin/synonymes",
                       data={"thesaurus": "groups:\n  - [tuilage, compagnonnage]\n"})
    assert good.status_code == 303
    page = client.get("/recherche?q=tuilage").get_data(as_text=True)
    assert "Le compagnonnage des nouvelles recrues" in page
