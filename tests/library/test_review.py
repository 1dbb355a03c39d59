"""The review cycle: draft → submitted → sent back → edited → published; revisions and history."""

import re

from tests.conftest import outbox
from tests.library.conftest import make_sheet, practice, sheet_form


def _create(client, world, **fields) -> str:
    response = client.post("/pratiques/nouvelle", data=sheet_form(world.org, **fields))
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_a_sheet_goes_from_draft_to_published_through_a_send_back(app, client, login, world):
    login("employer")
    slug = _create(client, world)
    page = client.post(f"/pratiques/{slug}/soumettre", follow_redirects=True)
    assert "Fiche envoyée en relecture" in page.get_data(as_text=True)

    login("trainer")
    page = client.post(f"/pratiques/{slug}/renvoyer",
                       data={"comment": "Ajoutez qui prépare le café et quand."},
                       follow_redirects=True).get_data(as_text=True)
    assert "renvoyée à ses auteur·es" in page

    login("employer")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "À reprendre" in page and "Ajoutez qui prépare le café et quand." in page
    contributions = client.get("/pratiques/mes-contributions").get_data(as_text=True)
    assert "À reprendre" in contributions and "Ajoutez qui prépare le café" in contributions

    response = client.post(f"/pratiques/{slug}/modifier", data=sheet_form(
        body_md="## Comment\n\nLa secrétaire prépare le café à 9 h.\n"))
    assert response.status_code == 303
    assert practice(app, slug).revisions[-1].status == "draft"
    client.post(f"/pratiques/{slug}/soumettre")
    assert "Le café d’accueil du lundi" not in client.get("/pratiques").get_data(as_text=True)

    login("trainer")
    client.post(f"/pratiques/{slug}/publier")
    login("other_tutor")
    listing = client.get("/pratiques").get_data(as_text=True)
    assert "Le café d’accueil du lundi" in listing
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "La secrétaire prépare le café à 9 h." in page
    sheet = practice(app, slug)
    assert [r.status for r in sheet.revisions] == ["published"]
    assert sheet.published_at is not None


def test_submitting_twice_is_refused_with_a_message(app, client, login, world):
    login("employer")
    slug = _create(client, world)
    client.post(f"/pratiques/{slug}/soumettre")
    page = client.post(f"/pratiques/{slug}/soumettre",
                       follow_redirects=True).get_data(as_text=True)
    assert "Il n’y a pas de modification à soumettre." in page


def test_editing_a_published_sheet_makes_revision_two_that_readers_do_not_see_yet(
        app, client, login, world):
    slug = make_sheet(app, world.org, title="Le livret d’accueil",
                      body_md="## Étapes\n\nOn remet le livret.\nOn le relit ensemble.\n")
    login("employer")
    edit_page = client.get(f"/pratiques/{slug}/modifier").get_data(as_text=True)
    assert "On remet le livret." in edit_page and "binôme" in edit_page  # tags prefilled
    response = client.post(f"/pratiques/{slug}/modifier", data=sheet_form(
        title="Le livret d’accueil", body_md="## Étapes\n\nOn envoie le livret avant l’arrivée.\n"
        "On le relit ensemble.\n", category="integration", sector="ehpad"), follow_redirects=True)
    assert "visibles de tous après relecture" in response.get_data(as_text=True)
    sheet = practice(app, slug)
    assert [(r.number, r.status) for r in sheet.revisions] == [(1, "published"), (2, "draft")]
    client.post(f"/pratiques/{slug}/soumettre")

    login("tutor")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "On remet le livret." in page and "avant l’arrivée" not in page

    login("trainer")
    review = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "Publier la version 2" in review
    assert f"/pratiques/{slug}/historique?version=2" in review
    client.post(f"/pratiques/{slug}/publier")

    login("tutor")
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "On envoie le livret avant l’arrivée." in page and "On remet le livret." not in page
    sheet = practice(app, slug)
    assert [(r.number, r.status) for r in sheet.revisions] == [(1, "superseded"),
                                                               (2, "published")]


def test_history_shows_removed_and_added_lines_and_changed_fields(app, client, login, world):
    body = "\n".join(f"Étape {n} du protocole." for n in range(1, 21)) + "\n"
    slug = make_sheet(app, world.org, title="Le rapport d’étonnement", body_md=body,
                      category="evaluation", tags=["étonnement"])
    login("employer")
    client.post(f"/pratiques/{slug}/modifier", data=sheet_form(
        title="Le rapport d’étonnement à un mois", category="evaluation",
        body_md=body.replace("Étape 10 du protocole.", "Étape 10 : un entretien de 30 minutes."),
        tags="étonnement, entretien"))
    page = client.get(f"/pratiques/{slug}/historique?version=2").get_data(as_text=True)
    assert "Ce qui a changé depuis la version 1" in page
    removed = re.findall(r'<del class="diff__line diff__line--removed">(.*?)</del>', page, re.S)
    added = re.findall(r'<ins class="diff__line diff__line--added">(.*?)</ins>', page, re.S)
    assert [line.split("</span>")[-1] for line in removed] == ["Étape 10 du protocole."]
    assert [line.split("</span>")[-1] for line in added] == [
        "Étape 10\u00a0: un entretien de 30 minutes."]
    diff = page.split("Texte complet")[0]
    assert "7 lignes inchangées" in diff and "10 lignes inchangées" not in diff
    assert "Étape 1 du protocole." not in diff  # far from the change: shortened
    assert "Étape 9 du protocole." in diff  # context around the change
    fields = page.split("Champs modifiés")[1].split("</table>")[0]
    assert "Titre" in fields and "à un mois" in fields
    assert "Mots-clés" in fields and "étonnement, entretien" in fields
    assert "Catégorie" not in fields  # unchanged fields are not listed
    first = client.get(f"/pratiques/{slug}/historique?version=1").get_data(as_text=True)
    assert "Première version de la fiche." in first
    assert client.get(f"/pratiques/{slug}/historique?version=9").status_code == 404


def test_history_is_for_the_sheets_editors_only(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("tutor")
    assert client.get(f"/pratiques/{slug}/historique").status_code == 403
    login("other_employer")
    assert client.get(f"/pratiques/{slug}/historique").status_code == 403
    login("trainer")
    assert client.get(f"/pratiques/{slug}/historique").status_code == 200


def test_my_contributions_lists_sheets_with_the_state_of_their_latest_revision(
        app, client, login, world):
    make_sheet(app, world.org, published=False, title="Le brouillon des Tilleuls")
    published = make_sheet(app, world.org, title="La fiche publiée des Tilleuls")
    make_sheet(app, world.other, title="La fiche des Glycines")
    login("employer")
    client.post(f"/pratiques/{published}/modifier",
                data=sheet_form(title="La fiche publiée des Tilleuls, revue"))
    client.post(f"/pratiques/{published}/soumettre")
    page = client.get("/pratiques/mes-contributions").get_data(as_text=True)
    rows = {re.sub(r"<[^>]+>", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)}
    by_title = {next(t for t in ["Le brouillon des Tilleuls",
                                 "La fiche publiée des Tilleuls, revue"] if t in row): row
                for row in rows if "Tilleuls" in row}
    assert "Brouillon" in by_title["Le brouillon des Tilleuls"]
    assert "Non" in by_title["Le brouillon des Tilleuls"]
    assert "En relecture" in by_title["La fiche publiée des Tilleuls, revue"]
    assert "version 2" in by_title["La fiche publiée des Tilleuls, revue"]
    assert "Oui" in by_title["La fiche publiée des Tilleuls, revue"]
    assert "La fiche des Glycines" not in page


def test_publishing_without_an_open_revision_is_refused_politely(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("trainer")
    page = client.post(f"/pratiques/{slug}/publier", follow_redirects=True)
    assert "Il n’y a pas de version à publier." in page.get_data(as_text=True)


def test_the_author_is_told_by_email_of_the_decision(app, client, login, world):
    login("employer")
    slug = _create(client, world)
    client.post(f"/pratiques/{slug}/soumettre")
    login("trainer")
    client.post(f"/pratiques/{slug}/renvoyer", data={"comment": "Ajoutez un témoignage."})
    client.post(f"/pratiques/{slug}/publier")  # reviewers may also publish directly
    (sent_back, published) = outbox(app)
    assert "Votre fiche est à reprendre" in sent_back and "Ajoutez un témoignage." in sent_back
    assert f"/pratiques/{slug}" in sent_back
    assert "Votre fiche est publiée" in published and "Claire Roux" in published


def test_a_mail_server_that_is_down_does_not_undo_or_hide_the_publication(
        app, second_app, world):
    slug = make_sheet(app, world.org, published=False)
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.library.models import Practice
        revision = db.session.scalar(select(Practice).where(Practice.slug == slug)).revisions[0]
        revision.author_id, revision.status = world.ids["employer"], "submitted"
        db.session.commit()
    worker = second_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=9,  # nothing listens there
                        MAIL_SUPPRESS_SEND=False)
    client = worker.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = world.keys["trainer"], True
    response = client.post(f"/pratiques/{slug}/publier", follow_redirects=True)
    assert response.status_code == 200
    assert "Fiche publiée" in response.get_data(as_text=True)
    assert practice(app, slug).status == "published"
