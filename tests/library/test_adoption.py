"""« Nous le faisons aussi » (one per organisation) and « utile ? » (one answer per person)."""

from sqlalchemy import func, select

from app.extensions import db
from app.library.models import Adoption, UsefulVote
from tests.library.conftest import HX, add_member, make_sheet, practice


def _count(app, model, slug):
    sheet = practice(app, slug)
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(
            model.practice_id == sheet.id))


def test_an_organisation_adopts_a_sheet_once_even_when_posting_twice(app, client, login, world):
    slug = make_sheet(app, world.org, title="Le binôme de nuit")
    login("other_employer")
    for _ in range(2):
        response = client.post(f"/pratiques/{slug}/adopter",
                               data={"organisation_id": world.other, "action": "adopter"})
        assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pratiques/{slug}")
    assert _count(app, Adoption, slug) == 1
    assert practice(app, slug).adoption_count == 1
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "1 structure fait aussi cette pratique" in page
    assert "Nous ne le faisons plus (SAAD Les Glycines)" in page


def test_the_sheet_lists_every_adopting_organisation(app, client, auth, login, world):
    slug = make_sheet(app, world.org)
    with app.app_context():
        from tests import factories
        third = factories.make_organisation(name="FAM Les Érables")
        key = factories.make_user(third, "employer").get_id()
    login("other_employer")
    client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": world.other})
    auth.as_session(key)
    client.post(f"/pratiques/{slug}/adopter")  # one organisation: no choice to make
    login("tutor")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "2 structures font aussi cette pratique" in page
    assert "SAAD Les Glycines" in page and "FAM Les Érables" in page
    listing = client.get("/pratiques").get_data(as_text=True)
    assert "2 structures le font aussi" in listing


def test_two_employers_of_the_same_organisation_make_one_adoption(app, client, auth, login,
                                                                   world):
    slug = make_sheet(app, world.org)
    colleague = add_member(app, world.other, "employer")
    login("other_employer")
    client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": world.other})
    auth.as_session(colleague)
    client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": world.other})
    assert practice(app, slug).adoption_count == 1


def test_taking_an_adoption_back(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("other_employer")
    client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": world.other})
    response = client.post(f"/pratiques/{slug}/adopter",
                           data={"organisation_id": world.other, "action": "retirer"},
                           follow_redirects=True)
    assert "ne figure plus parmi les structures" in response.get_data(as_text=True)
    assert _count(app, Adoption, slug) == 0
    assert practice(app, slug).adoption_count == 0


def test_the_contributing_organisation_cannot_adopt_its_own_sheet(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("employer")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "le fait aussi" not in page
    response = client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": world.org})
    assert response.status_code == 403
    assert practice(app, slug).adoption_count == 0


def test_an_employer_cannot_adopt_for_an_organisation_they_do_not_speak_for(
        app, client, login, world):
    slug = make_sheet(app, world.other)
    with app.app_context():
        from tests import factories
        third = factories.make_organisation(name="FAM Les Érables").id
    login("employer")
    response = client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": third})
    assert response.status_code == 403
    assert _count(app, Adoption, slug) == 0


def test_tutors_cannot_adopt(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("other_tutor")
    assert client.post(f"/pratiques/{slug}/adopter",
                       data={"organisation_id": world.other}).status_code == 403


def test_adoption_with_htmx_returns_only_the_adoption_block(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("other_employer")
    response = client.post(f"/pratiques/{slug}/adopter", headers=HX,
                           data={"organisation_id": world.other, "action": "adopter"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="utile"' not in html
    assert '<section id="adoption"' in html and "SAAD Les Glycines" in html
    assert "Nous ne le faisons plus (SAAD Les Glycines)" in html
    assert 'hx-swap-oob="innerHTML"' in html and "C’est noté" in html
    assert "HX-Request" in response.headers["Vary"]


def test_one_vote_per_person_and_changing_the_answer_replaces_it(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("tutor")
    client.post(f"/pratiques/{slug}/utile", data={"utile": "oui"})
    client.post(f"/pratiques/{slug}/utile", data={"utile": "oui"})
    assert _count(app, UsefulVote, slug) == 1 and practice(app, slug).useful_count == 1
    login("other_tutor")
    client.post(f"/pratiques/{slug}/utile", data={"utile": "oui"})
    assert practice(app, slug).useful_count == 2
    response = client.post(f"/pratiques/{slug}/utile", data={"utile": "non"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pratiques/{slug}")
    assert _count(app, UsefulVote, slug) == 2
    assert practice(app, slug).useful_count == 1  # only « oui » counts
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "Utile pour 1 personne." in page and "Votre réponse : non" in page.replace(
        "\u00a0", " ").replace("\u202f", " ")


def test_vote_with_htmx_returns_only_the_usefulness_block(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("tutor")
    response = client.post(f"/pratiques/{slug}/utile", headers=HX, data={"utile": "oui"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="adoption"' not in html
    assert html.lstrip().startswith('<section id="utile"')
    assert "Utile pour 1 personne." in html and 'aria-pressed="true"' in html


def test_an_answer_other_than_yes_or_no_is_refused(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("tutor")
    assert client.post(f"/pratiques/{slug}/utile", data={"utile": "peut-être"}).status_code == 400
    assert _count(app, UsefulVote, slug) == 0


def test_a_draft_cannot_be_voted_on_or_adopted_even_by_its_authors(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert 'id="utile"' not in page and 'id="adoption"' not in page
    assert client.post(f"/pratiques/{slug}/utile", data={"utile": "oui"}).status_code == 403
    assert _count(app, UsefulVote, slug) == 0


def _after_first(app, prefix: str, action):
    """Run `action` right after the first statement starting with `prefix` (a race)."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    fired = []

    def listener(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith(prefix) and not fired:
            fired.append(True)
            action()

    event.listen(engine, "after_cursor_execute", listener)
    return lambda: event.remove(engine, "after_cursor_execute", listener)


def test_a_double_click_racing_with_itself_keeps_one_adoption(app, second_app, client, login,
                                                              world):
    slug = make_sheet(app, world.org)
    sheet_id, worker = practice(app, slug).id, second_app()

    def other_request():
        with worker.app_context():
            db.session.add(Adoption(practice_id=sheet_id, organisation_id=world.other))
            db.session.commit()

    login("other_employer")
    stop = _after_first(app, "SELECT practice_adoptions.id", other_request)
    try:
        response = client.post(f"/pratiques/{slug}/adopter", data={"organisation_id": world.other})
    finally:
        stop()
    assert response.status_code == 303
    assert _count(app, Adoption, slug) == 1
    assert practice(app, slug).adoption_count == 1


def test_a_double_click_racing_with_itself_keeps_one_vote(app, second_app, client, login, world):
    slug = make_sheet(app, world.org)
    sheet_id, worker = practice(app, slug).id, second_app()

    def other_request():
        with worker.app_context():
            db.session.add(UsefulVote(practice_id=sheet_id, user_id=world.ids["tutor"],
                                      useful=False))
            db.session.commit()

    login("tutor")
    stop = _after_first(app, "SELECT practice_votes.id", other_request)
    try:
        response = client.post(f"/pratiques/{slug}/utile", data={"utile": "oui"})
    finally:
        stop()
    assert response.status_code == 303
    assert _count(app, UsefulVote, slug) == 1
    assert practice(app, slug).useful_count == 1  # the last answer wins
