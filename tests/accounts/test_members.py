from sqlalchemy import select

from app.accounts.models import Membership, Organisation, User
from app.extensions import db
from tests import factories
from tests.conftest import counting_queries

HX = {"HX-Request": "true"}


def _organisation(app, members=1):
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        employer = factories.make_user(org, "employer", full_name="Sophie Lambert")
        people = [factories.make_user(org, "tutor") for _ in range(members)]
        return org.id, employer.email, [p.memberships[0].id for p in people]


def test_members_page_shows_members_to_colleagues_without_management_tools(app, client, auth):
    with app.app_context():
        org = factories.make_organisation()
        factories.make_user(org, "employer", full_name="Sophie Lambert")
        tutor = factories.make_user(org, "tutor")
        org_id, email = org.id, tutor.email
    auth.login(email)
    page = client.get(f"/compte/organisations/{org_id}").get_data(as_text=True)
    assert "Sophie Lambert" in page
    assert "Inviter une personne" not in page and "Désactiver" not in page


def test_role_change_without_javascript_redirects_to_the_page(app, client, auth):
    org_id, employer, (membership,) = _organisation(app)
    auth.login(employer)
    url = f"/compte/organisations/{org_id}/membres/{membership}/role"
    response = client.post(url, data={"role": "referent"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "est maintenant Référent·e" in page
    with app.app_context():
        assert db.session.get(Membership, membership).role == "referent"


def test_role_change_with_htmx_returns_the_table_alone_with_its_message(app, client, auth):
    org_id, employer, (membership,) = _organisation(app)
    auth.login(employer)
    url = f"/compte/organisations/{org_id}/membres/{membership}/role"
    response = client.post(url, data={"role": "employer"}, headers=HX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith('<div id="members_table"')
    assert 'hx-swap-oob="innerHTML"' in page and "est maintenant Employeur·e / RH" in page
    assert response.headers["Vary"].startswith("HX-Request")


def test_members_page_with_htmx_returns_the_table_and_without_the_whole_page(app, client, auth):
    org_id, employer, _ = _organisation(app)
    auth.login(employer)
    whole = client.get(f"/compte/organisations/{org_id}").get_data(as_text=True)
    part = client.get(f"/compte/organisations/{org_id}", headers=HX).get_data(as_text=True)
    assert "<html" in whole and "Inviter une personne" in whole
    assert "<html" not in part and 'id="members_table"' in part


def test_unknown_role_is_refused_with_a_message(app, client, auth):
    org_id, employer, (membership,) = _organisation(app)
    auth.login(employer)
    url = f"/compte/organisations/{org_id}/membres/{membership}/role"
    response = client.post(url, data={"role": "admin"}, follow_redirects=True)
    assert "Choisissez un rôle dans la liste." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, membership).role == "tutor"


def test_deactivated_member_can_no_longer_log_in_and_can_be_reactivated(app, client, auth):
    org_id, employer, (membership,) = _organisation(app)
    with app.app_context():
        member_email = db.session.get(Membership, membership).user.email
    auth.login(employer)
    base = f"/compte/organisations/{org_id}/membres/{membership}"
    assert client.post(f"{base}/desactiver", headers=HX).status_code == 200
    other = app.test_client()
    response = other.post("/compte/connexion",
                          data={"email": member_email, "password": factories.PASSWORD})
    assert response.status_code == 422
    client.post(f"{base}/reactiver")
    response = other.post("/compte/connexion",
                          data={"email": member_email, "password": factories.PASSWORD})
    assert response.status_code == 303


def test_a_person_in_two_organisations_keeps_access_when_one_removes_them(app, client, auth):
    with app.app_context():
        first = factories.make_organisation()
        second = factories.make_organisation()
        employer = factories.make_user(first, "employer")
        person = factories.make_user(first, "tutor")
        db.session.add(Membership(user=person, organisation=second, role="tutor"))
        db.session.commit()
        ids = (first.id, person.memberships[0].id, person.id, employer.email)
    org_id, membership, person_id, employer_email = ids
    auth.login(employer_email)
    client.post(f"/compte/organisations/{org_id}/membres/{membership}/desactiver")
    with app.app_context():
        assert db.session.get(User, person_id).active


def test_the_last_employer_cannot_be_removed_or_demoted(app, client, auth):
    with app.app_context():
        dept = factories.make_organisation(kind="departement", sector=None)
        admin = factories.make_user(dept, "employer", is_admin=True)
        org = factories.make_organisation()
        employer = factories.make_user(org, "employer")
        ids = (org.id, employer.memberships[0].id, admin.email)
    org_id, membership, admin_email = ids
    auth.login(admin_email)
    base = f"/compte/organisations/{org_id}/membres/{membership}"
    page = client.post(f"{base}/role", data={"role": "tutor"},
                       follow_redirects=True).get_data(as_text=True)
    assert "au moins un·e employeur·e actif·ve" in page
    client.post(f"{base}/desactiver")
    with app.app_context():
        kept = db.session.get(Membership, membership)
        assert kept.role == "employer" and kept.active


def test_an_employer_cannot_change_their_own_membership(app, client, auth):
    with app.app_context():
        org = factories.make_organisation()
        employer = factories.make_user(org, "employer")
        ids = (org.id, employer.memberships[0].id, employer.email)
    org_id, membership, email = ids
    auth.login(email)
    response = client.post(f"/compte/organisations/{org_id}/membres/{membership}/desactiver")
    assert response.status_code == 403


def test_an_employer_cannot_touch_another_organisations_member(app, client, auth):
    org_id, _, (membership,) = _organisation(app)
    with app.app_context():
        intruder = factories.make_user(factories.make_organisation(), "employer").email
    auth.login(intruder)
    base = f"/compte/organisations/{org_id}/membres/{membership}"
    assert client.post(f"{base}/role", data={"role": "employer"}).status_code == 403
    assert client.post(f"{base}/desactiver").status_code == 403
    with app.app_context():
        assert db.session.get(Membership, membership).role == "tutor"


def test_a_membership_of_another_organisation_is_not_found_through_mine(app, client, auth):
    _, _, (foreign,) = _organisation(app)
    with app.app_context():
        org = factories.make_organisation()
        employer = factories.make_user(org, "employer")
        org_id, email = org.id, employer.email
    auth.login(email)
    response = client.post(f"/compte/organisations/{org_id}/membres/{foreign}/role",
                           data={"role": "employer"})
    assert response.status_code == 404


def test_members_page_query_count_does_not_grow_with_members(app, client, auth):
    org_id, employer, _ = _organisation(app, members=2)
    auth.login(employer)
    url = f"/compte/organisations/{org_id}"
    with counting_queries(app) as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        for _ in range(18):
            factories.make_user(org, "tutor")
            factories.make_invitation(org)
    with counting_queries(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count("<tr") == 21  # header + 20 members: the page is full
    assert len(many) == len(few), "\n".join(many)


def test_members_are_paginated(app, client, auth):
    org_id, employer, _ = _organisation(app, members=24)
    auth.login(employer)
    first = client.get(f"/compte/organisations/{org_id}").get_data(as_text=True)
    second = client.get(f"/compte/organisations/{org_id}?page=2").get_data(as_text=True)
    assert "Page 1 sur 2" in first and "Page 2 sur 2" in second
    assert second.count("<tr") == 1 + 5
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Membership.id))) == 25


def test_first_invitation_of_an_organisation_defaults_to_the_employer_role(app, client, auth):
    with app.app_context():
        dept = factories.make_organisation(kind="departement", sector=None)
        admin = factories.make_user(dept, "employer", is_admin=True)
        empty = factories.make_organisation()
        org_id, email = empty.id, admin.email
    auth.login(email)
    page = client.get(f"/compte/organisations/{org_id}").get_data(as_text=True)
    assert '<option selected value="employer">' in page


def test_opening_the_invitation_url_after_an_error_returns_to_the_page(app, client, auth):
    org_id, employer, _ = _organisation(app)
    auth.login(employer)
    response = client.get(f"/compte/organisations/{org_id}/invitations")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/compte/organisations/{org_id}")


def test_a_deactivated_account_shows_as_such_to_its_employer(app, client, auth):
    org_id, employer, (membership,) = _organisation(app)
    with app.app_context():
        db.session.get(Membership, membership).user.active = False
        db.session.commit()
    auth.login(employer)
    assert "Compte désactivé" in client.get(f"/compte/organisations/{org_id}").get_data(
        as_text=True)


def test_a_page_past_the_last_is_not_found(app, client, auth):
    org_id, employer, _ = _organisation(app)
    auth.login(employer)
    assert client.get(f"/compte/organisations/{org_id}?page=99").status_code == 404
