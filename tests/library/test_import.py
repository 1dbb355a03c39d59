"""`flask content import DIR`: idempotent upsert by slug, errors with file and line."""

import shutil
from pathlib import Path

from sqlalchemy import func, select

from app.accounts.models import Organisation
from app.config import ROOT
from app.extensions import db
from app.library import services
from app.library.models import Practice, PracticeRevision
from tests import factories
from tests.library.conftest import make_sheet, practice, sheet_form

CONTENT = ROOT / "content"

GOOD = """---
title: "Le café d’accueil du lundi"
summary: "Un café avec la direction."
category: accueil
phase: premier-jour
sector: ehpad
tags: [café, "rapport d’étonnement", maître d'apprentissage, Accueil du lundi]
organisation: "EHPAD Les Tilleuls"
---
## Pourquoi

Pour se sentir attendu·e.
"""


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _import(runner, folder: Path):
    return runner.invoke(args=["content", "import", str(folder)])


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_content_imports_every_sheet_then_changes_nothing(app, runner, client,
                                                                        login, world):
    shipped = sorted((CONTENT / "practices").glob("*.md"))
    assert len(shipped) >= 30
    result = _import(runner, CONTENT)
    assert result.exit_code == 0, result.output
    assert f"{len(shipped)} créée(s)" in result.output and "0 en erreur" in result.output
    assert _count(app, Practice) == len(shipped)
    with app.app_context():
        assert set(db.session.scalars(select(Practice.status))) == {"published"}
        assert set(db.session.scalars(select(Practice.slug))) == {p.stem for p in shipped}
    revisions, organisations = _count(app, PracticeRevision), _count(app, Organisation)

    again = _import(runner, CONTENT)
    assert again.exit_code == 0, again.output
    assert "0 créée(s), 0 mise(s) à jour" in again.output
    assert f"{len(shipped)} inchangée(s)" in again.output
    assert _count(app, Practice) == len(shipped)
    assert _count(app, PracticeRevision) == revisions
    assert _count(app, Organisation) == organisations

    login("tutor")
    page = client.get("/pratiques/rapport-etonnement").get_data(as_text=True)
    assert "Le rapport d’étonnement des nouvelles aides à domicile" in page


def test_the_practices_folder_itself_can_be_given(app, runner):
    result = _import(runner, CONTENT / "practices")
    assert result.exit_code == 0, result.output
    assert _count(app, Practice) == len(list((CONTENT / "practices").glob("*.md")))


def test_bad_files_are_reported_with_name_and_line_and_the_good_one_imports(
        app, runner, tmp_path):
    folder = tmp_path / "contenu"
    _write(folder, "bon.md", GOOD)
    _write(folder, "non-ferme.md", GOOD.replace("organisation: \"EHPAD Les Tilleuls\"\n---",
                                                "organisation: \"EHPAD Les Tilleuls\""))
    _write(folder, "categorie-inconnue.md", GOOD.replace("category: accueil",
                                                         "category: cuisine"))
    _write(folder, "yaml-casse.md", GOOD.replace("sector: ehpad", "sector: [ehpad"))
    result = _import(runner, folder)
    assert result.exit_code != 0
    output = result.output
    assert "1 créée(s)" in output and "3 en erreur" in output
    assert f"{folder / 'non-ferme.md'}:" in output and "n’est pas fermé" in output
    assert f"{folder / 'categorie-inconnue.md'}:4:" in output
    assert "cuisine" in output and "accueil, integration" in output
    assert f"{folder / 'yaml-casse.md'}:" in output and "en-tête YAML illisible" in output
    broken_line = int(output.split(f"{folder / 'yaml-casse.md'}:")[1].split(":")[0])
    assert broken_line in (6, 7)  # where the unclosed list starts or where YAML notices
    with app.app_context():
        assert list(db.session.scalars(select(Practice.slug))) == ["bon"]


def test_a_missing_required_key_is_reported_with_its_file(app, runner, tmp_path):
    _write(tmp_path, "sans-titre.md", GOOD.replace('title: "Le café d’accueil du lundi"\n', ""))
    result = _import(runner, tmp_path)
    assert result.exit_code != 0
    assert "sans-titre.md:2: la clé « title » est obligatoire" in result.output
    assert _count(app, Practice) == 0


def test_an_unknown_key_is_a_warning_and_the_sheet_still_imports(app, runner, tmp_path):
    _write(tmp_path, "cle-en-trop.md", GOOD.replace("sector: ehpad", "sector: ehpad\nauteur: Moi"))
    result = _import(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "clé inconnue « auteur » ignorée" in result.output
    assert practice(app, "cle-en-trop").title == "Le café d’accueil du lundi"


def test_tags_keep_accents_spaces_and_apostrophes(app, runner, tmp_path):
    _write(tmp_path, "cafe.md", GOOD)
    assert _import(runner, tmp_path).exit_code == 0
    assert practice(app, "cafe").tags == ["café", "rapport d’étonnement",
                                          "maître d'apprentissage", "Accueil du lundi"]


def test_tags_are_searchable_as_facets_after_import(app, runner, tmp_path, client, login, world):
    _write(tmp_path, "cafe.md", GOOD)
    _import(runner, tmp_path)
    login("tutor")
    page = client.get("/pratiques?mot=rapport d’étonnement").get_data(as_text=True)
    assert "Le café d’accueil du lundi" in page


def test_the_organisation_is_created_when_missing_and_reused_otherwise(app, runner, tmp_path):
    _write(tmp_path, "une.md", GOOD.replace("EHPAD Les Tilleuls", "SAAD Nouvelle Structure"))
    _write(tmp_path, "deux.md", GOOD.replace("EHPAD Les Tilleuls", "SAAD Nouvelle Structure"))
    assert _import(runner, tmp_path).exit_code == 0
    with app.app_context():
        (organisation,) = db.session.scalars(select(Organisation).where(
            Organisation.name == "SAAD Nouvelle Structure")).all()
        assert organisation.kind == "employer"
        assert {p.organisation_id for p in db.session.scalars(select(Practice))} == {
            organisation.id}


def test_an_existing_organisation_is_used(app, runner, tmp_path, world):
    _write(tmp_path, "cafe.md", GOOD)
    organisations = _count(app, Organisation)
    assert _import(runner, tmp_path).exit_code == 0
    assert _count(app, Organisation) == organisations
    assert practice(app, "cafe").organisation_id == world.org


def test_a_changed_file_updates_the_sheet_with_a_new_revision(app, runner, tmp_path):
    path = _write(tmp_path, "cafe.md", GOOD)
    _import(runner, tmp_path)
    path.write_text(GOOD.replace("Pour se sentir attendu·e.", "Pour souhaiter la bienvenue."),
                    encoding="utf-8")
    result = _import(runner, tmp_path)
    assert "1 mise(s) à jour" in result.output
    sheet = practice(app, "cafe")
    assert "Pour souhaiter la bienvenue." in sheet.body_html
    assert [(r.number, r.status) for r in sheet.revisions] == [(1, "superseded"),
                                                               (2, "published")]


def test_a_sheet_edited_on_the_web_is_not_overwritten_by_a_later_import(
        app, runner, tmp_path, client, login, world):
    path = _write(tmp_path, "cafe.md", GOOD)
    _import(runner, tmp_path)
    login("employer")
    client.post("/pratiques/cafe/modifier", data=sheet_form(title="Notre café, revu sur le web"))
    path.write_text(GOOD.replace("Pour se sentir attendu·e.", "Texte du fichier modifié."),
                    encoding="utf-8")
    result = _import(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "non écrasée" in result.output and "cafe" in result.output
    sheet = practice(app, "cafe")
    assert sheet.revisions[-1].title == "Notre café, revu sur le web"
    assert "Texte du fichier modifié." not in sheet.body_html
    assert len(sheet.revisions) == 2


def test_a_sheet_written_on_the_web_is_not_replaced_by_a_file_with_its_slug(
        app, runner, tmp_path, world):
    slug = make_sheet(app, world.org, title="Fiche du web")
    _write(tmp_path, f"{slug}.md", GOOD)
    result = _import(runner, tmp_path)
    assert "non écrasée" in result.output
    assert practice(app, slug).title == "Fiche du web"


def test_a_file_that_is_not_utf8_is_reported(app, runner, tmp_path):
    (tmp_path / "latin1.md").write_bytes(GOOD.encode("latin-1", "replace"))
    result = _import(runner, tmp_path)
    assert result.exit_code != 0
    assert "latin1.md:1: le fichier n’est pas en UTF-8" in result.output


def test_a_file_name_that_is_not_a_slug_is_reported(app, runner, tmp_path):
    _write(tmp_path, "Mon Livret d'accueil.md", GOOD)
    _write(tmp_path, f"{'tres-long-' * 13}.md", GOOD)
    _write(tmp_path, "bon-nom.md", GOOD)
    result = _import(runner, tmp_path)
    assert result.exit_code != 0
    assert "Mon Livret d'accueil.md:1: le nom du fichier doit être fait de minuscules" in (
        result.output)
    assert "tres-long-tres-long" in result.output and "2 en erreur" in result.output
    with app.app_context():
        assert list(db.session.scalars(select(Practice.slug))) == ["bon-nom"]


def test_a_title_too_long_for_the_database_is_reported_with_its_line(app, runner, tmp_path):
    _write(tmp_path, "long.md", GOOD.replace("Le café d’accueil du lundi", "Très long " * 25))
    result = _import(runner, tmp_path)
    assert result.exit_code != 0
    assert "long.md:2: « title » dépasse 200 caractères" in result.output.replace("\u00a0", " ")
    assert _count(app, Practice) == 0


def test_force_overwrites_a_sheet_edited_on_the_web(app, runner, tmp_path):
    folder = tmp_path / "content"
    (folder / "practices").mkdir(parents=True)
    source = ROOT / "content" / "practices" / "livret-accueil-ehpad.md"
    target = folder / "practices" / "livret-accueil-ehpad.md"
    shutil.copy(source, target)
    runner.invoke(args=["content", "import", str(folder)])
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        trainer = factories.make_user(
            factories.make_organisation(kind="training_body", sector=None), "trainer")
        content = services.SheetContent(
            title="Titre changé sur le web", summary=practice.summary, body_md=practice.body_md,
            category=practice.category, phase=practice.phase, sector=practice.sector)
        services.save_revision(trainer, practice, content)
        services.publish(trainer, practice)
    target.write_text(source.read_text(encoding="utf-8") + "\nUne ligne de plus.\n",
                      encoding="utf-8")
    kept = runner.invoke(args=["content", "import", str(folder)])
    assert "non écrasée" in kept.output and "--force" in kept.output
    runner.invoke(args=["content", "import", str(folder), "--force"])
    with app.app_context():
        assert db.session.scalar(select(Practice.title)) == "Le livret d’accueil en EHPAD"
