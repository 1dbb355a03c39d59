"""The sheet form: French messages next to the fields, typed text kept, a sanitised preview."""

import re

from tests.library.conftest import HX, make_sheet, practice, sheet_form


def _field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="{field}-erreur">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


def test_empty_title_is_refused_next_to_the_field_and_the_text_is_kept(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(
        world.org, title="", body_md="Mon texte **précieux** à ne pas perdre."))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in _field_error(page, "title")
    assert "Mon texte **précieux** à ne pas perdre." in page
    assert "Chaque lundi, les nouvelles personnes" in page  # the summary too
    assert 'aria-invalid="true"' in page


def test_blank_title_made_of_spaces_is_refused(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(world.org, title="   "))
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "title")


def test_forged_unknown_category_is_refused_with_a_french_message(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(
        world.org, category="piratage", title="Mon titre gardé"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_error(page, "category") == "Choisissez une catégorie dans la liste."
    assert 'value="Mon titre gardé"' in page


def test_forged_organisation_is_refused_with_a_french_message(app, client, login, world):
    login("employer")
    for forged in (str(world.other), "abc"):
        response = client.post("/pratiques/nouvelle", data=sheet_form(organisation_id=forged))
        assert response.status_code == 422
        assert _field_error(response.get_data(as_text=True), "organisation_id") == (
            "Choisissez une des structures dont vous êtes employeur·e.")


def test_trainer_writes_for_any_employer_organisation(app, client, login, world):
    login("trainer")
    page = client.get("/pratiques/nouvelle").get_data(as_text=True)
    assert "EHPAD Les Tilleuls" in page and "SAAD Les Glycines" in page
    assert "Organisme de formation" not in page  # not an employer
    response = client.post("/pratiques/nouvelle", data=sheet_form(world.other))
    assert response.status_code == 303
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    assert practice(app, slug).organisation_id == world.other


def test_unknown_phase_on_an_edit_is_refused_and_nothing_is_saved(app, client, login, world):
    slug = make_sheet(app, world.org, title="Le tutorat de nuit")
    login("employer")
    response = client.post(f"/pratiques/{slug}/modifier", data=sheet_form(
        title="Le tutorat de nuit", phase="jamais", body_md="Nouveau texte tapé."))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_error(page, "phase") == "Choisissez une étape de l’accueil dans la liste."
    assert "Nouveau texte tapé." in page
    assert len(practice(app, slug).revisions) == 1


def test_preview_sanitises_scripts_event_handlers_and_javascript_links(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/apercu", headers=HX, data={"body_md": (
        "## Titre\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[clic](javascript:alert(1)) et **gras**\n")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "<h3>Titre</h3>" in html and "<strong>gras</strong>" in html
    # Raw HTML is shown as text, never run: no tag, no attribute, no javascript: link.
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html


def test_the_preview_button_without_javascript_renders_without_saving(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(
        world.org, body_md="## Avant l’arrivée\n\nOn appelle la personne.\n<script>x()</script>",
        apercu="1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h3>Avant l’arrivée</h3>" in page  # the rendered preview
    assert "On appelle la personne." in page
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page  # still in the textarea, as typed
    assert practice(app, "le-cafe-d-accueil-du-lundi") is None


def test_the_preview_button_on_an_edit_saves_nothing(app, client, login, world):
    slug = make_sheet(app, world.org, title="La check-list du premier jour")
    login("employer")
    response = client.post(f"/pratiques/{slug}/modifier", data=sheet_form(
        title="La check-list du premier jour", body_md="Texte en cours.", apercu="1"))
    assert response.status_code == 200
    assert "<p>Texte en cours.</p>" in response.get_data(as_text=True)
    assert len(practice(app, slug).revisions) == 1


def test_saved_body_is_sanitised_for_readers(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(
        world.org, body_md="<script>alert(1)</script>\n\n[lien](javascript:alert(1))"))
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "alert(1)</script>" not in page and "javascript:alert" not in page


def test_tags_are_trimmed_and_deduplicated(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(
        world.org, tags=" binôme ,Binôme,  rapport   d’étonnement , ,"))
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    assert practice(app, slug).tags == ["binôme", "rapport d’étonnement"]


def test_two_sheets_with_the_same_title_get_different_addresses(app, client, login, world):
    login("employer")
    first = client.post("/pratiques/nouvelle", data=sheet_form(world.org))
    second = client.post("/pratiques/nouvelle", data=sheet_form(world.org))
    assert first.headers["Location"] != second.headers["Location"]
    assert second.headers["Location"].endswith("/pratiques/le-cafe-d-accueil-du-lundi-2")


def test_a_trainer_cannot_write_a_sheet_while_no_employer_is_registered(app, client, auth):
    from tests import factories

    with app.app_context():
        training = factories.make_organisation(kind="training_body", sector=None)
        auth.as_session(factories.make_user(training, "trainer").get_id())
    response = client.post("/pratiques/nouvelle", data=sheet_form())
    assert response.status_code == 422
    assert "Aucune structure employeuse ne peut encore recevoir de fiche." in (
        response.get_data(as_text=True))


def test_a_nul_character_typed_or_forged_is_dropped_not_an_error(app, client, login, world):
    login("employer")
    response = client.post("/pratiques/nouvelle", data=sheet_form(
        world.org, title="Le café\x00 du lundi", summary="Ré\x00sumé", body_md="Te\x00xte",
        tags="ca\x00fé"))
    assert response.status_code == 303
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    sheet = practice(app, slug)
    assert (sheet.title, sheet.summary, sheet.body_md, sheet.tags) == (
        "Le café du lundi", "Résumé", "Texte", ["café"])
    client.post(f"/pratiques/{slug}/soumettre")
    login("trainer")
    client.post(f"/pratiques/{slug}/renvoyer", data={"comment": "À re\x00voir"})
    assert practice(app, slug).revisions[-1].review_comment == "À revoir"
