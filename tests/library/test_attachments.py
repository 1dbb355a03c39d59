"""Tools attached to sheets: upload, refusals, download, removal, and the /outils toolbox."""

import io
import zipfile

from app.files import storage
from tests.factories import PDF_BYTES
from tests.library.conftest import HX, attach, make_sheet, practice, sheet_form


def _upload(client, slug, data: bytes, name: str, **kwargs):
    return client.post(f"/pratiques/{slug}/fichiers",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", **kwargs)


def test_a_small_pdf_uploaded_to_a_draft_appears_among_its_tools(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    response = _upload(client, slug, PDF_BYTES, "Check-list première semaine.pdf")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/pratiques/{slug}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "« Check-list première semaine.pdf » est ajouté à la fiche." in page.replace(
        "\u00a0", " ")
    tools = page.split("Outils de cette pratique")[1]
    assert "Check-list première semaine.pdf" in tools and "PDF" in tools
    (stored,) = practice(app, slug).files
    assert stored.size == len(PDF_BYTES) and stored.extension == "pdf"
    with app.app_context():
        assert storage().exists(stored.storage_key)


def test_a_file_whose_content_does_not_match_its_extension_is_refused(app, client, login, world):
    slug = make_sheet(app, world.org, published=False, title="Le livret des Tilleuls")
    attach(app, slug, "Déjà là.pdf")
    login("employer")
    response = _upload(client, slug, b"MZ\x90\x00 not a pdf at all", "livret.pdf",
                       follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Le contenu du fichier ne correspond pas à son extension .pdf." in page
    sheet = practice(app, slug)
    assert [f.filename for f in sheet.files] == ["Déjà là.pdf"]  # nothing else is lost
    assert sheet.title == "Le livret des Tilleuls"
    with app.app_context():
        assert len(list((storage().root).rglob("*.pdf"))) == 1


def test_an_executable_is_refused_with_a_french_message(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    page = _upload(client, slug, b"MZ\x90\x00", "outil.exe",
                   follow_redirects=True).get_data(as_text=True)
    assert "Ce type de fichier n’est pas accepté." in page
    assert practice(app, slug).files == []


def test_a_word_document_with_macros_is_refused(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("[Content_Types].xml", '<Types><Default ContentType='
                   '"application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", b"\x00")
    login("employer")
    page = _upload(client, slug, archive.getvalue(), "grille.docx",
                   follow_redirects=True).get_data(as_text=True)
    assert "Les documents contenant des macros ne sont pas acceptés." in page
    assert practice(app, slug).files == []


def test_upload_without_a_file_says_so(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    page = client.post(f"/pratiques/{slug}/fichiers", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choisissez un fichier à ajouter." in page


def test_a_hostile_file_name_is_cleaned(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    _upload(client, slug, PDF_BYTES, "../../etc/pass\x00wd\u202e.pdf")
    (stored,) = practice(app, slug).files
    assert "/" not in stored.filename and "\x00" not in stored.filename
    assert "\u202e" not in stored.filename and stored.filename.endswith(".pdf")


def test_download_serves_an_attachment_with_the_utf8_name(app, client, login, world):
    slug = make_sheet(app, world.org)
    file_id = attach(app, slug, "Livret d’accueil été.pdf")
    login("other_tutor")
    with client.get(f"/pratiques/{slug}/fichiers/{file_id}") as response:
        assert response.status_code == 200
        assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''Livret%20d%E2%80%99accueil%20%C3%A9t%C3%A9.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_files_of_drafts_are_not_downloadable_by_tutors(app, client, login, world):
    draft = make_sheet(app, world.org, published=False)
    published = make_sheet(app, world.org)
    file_id = attach(app, draft, "Brouillon.pdf")
    login("tutor")
    assert client.get(f"/pratiques/{draft}/fichiers/{file_id}").status_code == 404
    # nor through the address of another, published sheet
    assert client.get(f"/pratiques/{published}/fichiers/{file_id}").status_code == 404
    login("employer")
    with client.get(f"/pratiques/{draft}/fichiers/{file_id}") as response:
        assert response.status_code == 200


def test_removing_a_tool_deletes_the_stored_file(app, client, login, world):
    slug = make_sheet(app, world.org)
    file_id = attach(app, slug, "Ancienne grille.pdf")
    (stored,) = practice(app, slug).files
    login("employer")
    response = client.post(f"/pratiques/{slug}/fichiers/{file_id}/supprimer",
                           follow_redirects=True)
    assert "« Ancienne grille.pdf » est retiré de la fiche." in response.get_data(
        as_text=True).replace("\u00a0", " ")
    assert practice(app, slug).files == []
    with app.app_context():
        assert not storage().exists(stored.storage_key)
    assert client.get(f"/pratiques/{slug}/fichiers/{file_id}").status_code == 404


def test_only_the_sheets_editors_add_or_remove_tools(app, client, login, world):
    slug = make_sheet(app, world.org)
    file_id = attach(app, slug)
    for role in ("tutor", "other_employer"):
        login(role)
        assert _upload(client, slug, PDF_BYTES, "intrus.pdf").status_code == 403
        assert client.post(
            f"/pratiques/{slug}/fichiers/{file_id}/supprimer").status_code == 403
    assert len(practice(app, slug).files) == 1


def test_the_toolbox_lists_only_files_of_published_sheets(app, client, login, world):
    published = make_sheet(app, world.org, title="La fiche publiée")
    draft = make_sheet(app, world.org, published=False)
    attach(app, published, "Outil public.pdf")
    attach(app, draft, "Outil du brouillon.pdf")
    login("other_tutor")
    page = client.get("/outils").get_data(as_text=True)
    assert "Outil public.pdf" in page and "La fiche publiée" in page
    assert "EHPAD Les Tilleuls" in page
    assert "Outil du brouillon.pdf" not in page


def test_the_toolbox_filters_by_type_and_category(app, client, login, world):
    accueil = make_sheet(app, world.org, category="accueil")
    prevention = make_sheet(app, world.org, category="prevention")
    attach(app, accueil, "Livret accueil.pdf")
    attach(app, prevention, "Gestes et postures.pdf")
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.library.models import Practice, PracticeFile
        sheet = db.session.scalar(select(Practice).where(Practice.slug == accueil))
        key = storage().save(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png")
        db.session.add(PracticeFile(practice=sheet, storage_key=key, filename="Plan.png",
                                    extension="png", content_type="image/png", size=16))
        db.session.commit()
    login("tutor")
    page = client.get("/outils?categorie=prevention").get_data(as_text=True)
    assert "Gestes et postures.pdf" in page and "Livret accueil.pdf" not in page
    page = client.get("/outils?type=image").get_data(as_text=True)
    assert "Plan.png" in page and ".pdf" not in page.split('id="tools_list"')[1]
    page = client.get("/outils?type=pdf&categorie=accueil").get_data(as_text=True)
    listing = page.split('id="tools_list"')[1]
    assert "Livret accueil.pdf" in listing and "Plan.png" not in listing
    assert "Gestes et postures.pdf" not in listing


def test_the_toolbox_with_htmx_returns_only_the_list(app, client, login, world):
    slug = make_sheet(app, world.org)
    attach(app, slug, "Livret.pdf")
    login("tutor")
    whole = client.get("/outils").get_data(as_text=True)
    part = client.get("/outils?type=pdf", headers=HX)
    html = part.get_data(as_text=True)
    assert "<html" in whole and "Boîte à outils" in whole
    assert part.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="tools_list"') and "Livret.pdf" in html
    assert "HX-Request" in part.headers["Vary"]


def test_a_refused_upload_on_a_sheet_being_edited_keeps_the_saved_revision(
        app, client, login, world):
    slug = make_sheet(app, world.org)
    login("employer")
    client.post(f"/pratiques/{slug}/modifier", data=sheet_form(title="Ma nouvelle version"))
    _upload(client, slug, b"GIF89a", "image.png")
    assert practice(app, slug).revisions[-1].title == "Ma nouvelle version"


def test_a_file_over_ten_megabytes_is_refused(app, client, login, world):
    slug = make_sheet(app, world.org, published=False)
    login("employer")
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024 + 1 - len(PDF_BYTES))
    page = _upload(client, slug, big, "gros.pdf", follow_redirects=True).get_data(as_text=True)
    assert "Le fichier dépasse 10\u00a0Mo." in page
    assert practice(app, slug).files == []
