import re

from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.catalogue import services
from app.catalogue.models import Enrolment, Module
from app.extensions import db
from tests import factories


def _trainer(app):
    with app.app_context():
        org = factories.make_organisation(kind="training_body", sector=None)
        return factories.make_user(org, "trainer").email


def test_trainer_writes_a_module_from_scratch_and_publishes_it(app, client, auth):
    auth.login(_trainer(app))
    response = client.post("/formations/nouveau", data={
        "title": "Accueillir la nuit", "summary": "Les premières nuits.", "duration_minutes": 20,
        "audience": "tuteur", "theme": "accueil", "objectives": "Préparer\nAccompagner"})
    assert response.status_code == 303
    with app.app_context():
        module = db.session.scalar(select(Module))
        assert (module.status, module.objectives) == ("draft", ["Préparer", "Accompagner"])
        slug = module.slug
    refused = client.post(f"/formations/{slug}/etat", data={"etat": "published"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Ajoutez au moins une leçon" in refused
    client.post(f"/formations/{slug}/lecons", data={"lecon-title": "La relève",
                                                    "lecon-duration_minutes": 10})
    bad = client.post(f"/formations/{slug}/lecons", data={"lecon-title": "Leçon A",
                                                          "lecon-duration_minutes": 100000})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="lecon-duration_minutes-erreur"' in page and 'value="Leçon A"' in page
    letters = client.post(f"/formations/{slug}/lecons", data={"lecon-title": "Leçon A",
                                                              "lecon-duration_minutes": "abc"})
    assert letters.status_code == 422
    said = letters.get_data(as_text=True)
    assert "Indiquez une durée en minutes, en chiffres" in said
    assert "Entre 1 et 120 minutes." not in said  # one message, not two
    assert "Entre 1 et 120 minutes." in bad.get_data(as_text=True)
    module_letters = client.post(f"/formations/{slug}/modifier", data={
        "title": "Accueillir la nuit", "summary": "Les premières nuits.",
        "duration_minutes": "vingt", "audience": "tuteur", "theme": "accueil"})
    assert module_letters.status_code == 422
    said = module_letters.get_data(as_text=True)
    assert "en chiffres (par exemple 30)" in said and "Entre 5 et 240" not in said
    with app.app_context():
        lesson_slug = db.session.scalar(select(Module)).lessons[0].slug
    client.post(f"/formations/{slug}/lecons/{lesson_slug}/modifier",
                data={"title": "La relève", "duration_minutes": 12,
                      "body_md": "## Avant\n\n<script>x</script>Le **point**."})
    with app.app_context():
        lesson = db.session.scalar(select(Module)).lessons[0]
        assert "<strong>point</strong>" in lesson.body_html and "<script>" not in lesson.body_html
    client.post(f"/formations/{slug}/etat", data={"etat": "published"})
    with app.app_context():
        assert db.session.scalar(select(Module.status)) == "published"


def test_question_choices_are_checked_with_messages_next_to_the_field(app, client, auth):
    auth.login(_trainer(app))
    with app.app_context():
        slug = factories.make_module().slug
    url = f"/formations/{slug}/lecons/lecon-2/questions"
    response = client.post(url, data={"prompt": "Qui ?", "kind": "single",
                                      "choices": "Moi\nToi"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="choices-erreur"' in page and "astérisque" in page
    response = client.post(url, data={"prompt": "Qui ?", "kind": "single",
                                      "choices": "*Moi\n*Toi"})
    assert "exactement une bonne réponse" in response.get_data(as_text=True)
    response = client.post(url, data={"prompt": "Qui ?", "kind": "multiple",
                                      "choices": "*Moi\n*Toi\nPersonne", "explanation": "Tous."})
    assert response.status_code == 303
    with app.app_context():
        question = db.session.scalar(select(Module)).lessons[1].questions[0]
        assert question.correct_indexes == {0, 1}


def test_editing_a_published_module_bumps_its_version_and_keeps_progress(app, client, auth):
    with app.app_context():
        tutor = factories.make_user(factories.make_organisation(), "tutor")
        module = factories.make_module(lessons=3, questions=0)
        factories.complete_module(tutor, module)
        slug = module.slug
    auth.login(_trainer(app))
    client.post(f"/formations/{slug}/lecons/lecon-2/supprimer")
    with app.app_context():
        module = db.session.scalar(select(Module))
        assert module.version == 2 and module.edited_on_web
        assert [lesson.slug for lesson in module.lessons] == ["lecon-1", "lecon-3"]
        enrolment = db.session.scalar(select(Enrolment))
        assert len(enrolment.lessons_done) == 2 and enrolment.completed_at is not None


def test_deleting_a_lesson_or_a_question_is_asked_before_it_is_done(app, client, auth):
    """No one-click loss: the « Supprimer » of a lesson or a question only opens a question
    (a <details>, so it works without JavaScript); the form that deletes is inside it."""
    auth.login(_trainer(app))
    with app.app_context():
        module = factories.make_module(lessons=2, questions=1)
        slug, prompt = module.slug, module.lessons[0].questions[0].prompt
        question_id = module.lessons[0].questions[0].id
    pages = {
        f"/formations/{slug}/modifier": (f"/formations/{slug}/lecons/lecon-1/supprimer",
                                         "Supprimer la leçon « Leçon 1 » ?"),
        f"/formations/{slug}/lecons/lecon-1/modifier": (
            f"/formations/{slug}/questions/{question_id}/supprimer",
            f"Supprimer la question « {prompt} » ?"),
    }
    for page_url, (action, question) in pages.items():
        page = client.get(page_url).get_data(as_text=True).replace("\u00a0", " ").replace(
            "\u202f", " ")
        confirm = re.search(r'<details class="confirm-delete">(.*?)</details>', page, re.S)
        assert confirm, page_url
        assert f'action="{action}"' in confirm.group(1) and question in confirm.group(1)
        assert "Confirmer la suppression" in confirm.group(1)
        assert page.count(f'action="{action}"') == 1  # no other form deletes it at once


def test_lessons_can_be_reordered(app, client, auth):
    auth.login(_trainer(app))
    with app.app_context():
        slug = factories.make_module(lessons=3).slug
    client.post(f"/formations/{slug}/lecons/lecon-3/deplacer", data={"sens": "haut"})
    with app.app_context():
        assert [lesson.slug for lesson in db.session.scalar(select(Module)).lessons] == [
            "lecon-1", "lecon-3", "lecon-2"]


def test_statistics_by_organisation_and_csv(app, client, auth):
    with app.app_context():
        module = factories.make_module(questions=0)
        for name in ("EHPAD Les Tilleuls", "SAAD Loire"):
            org = factories.make_organisation(name=name)
            factories.complete_module(factories.make_user(org, "tutor"), module)
        services.enrol(factories.make_user(
            db.session.scalar(select(Organisation).where(Organisation.name == "SAAD Loire")),
            "tutor"), module)
        slug = module.slug
    auth.login(_trainer(app))
    page = client.get(f"/formations/{slug}/statistiques").get_data(as_text=True)
    assert "Ensemble" in page and "67 %" in page and "SAAD Loire" in page
    csv_text = client.get(f"/formations/{slug}/statistiques?format=csv").get_data(as_text=True)
    assert "EHPAD Les Tilleuls;1;1;100;" in csv_text and "SAAD Loire;2;1;50;" in csv_text


def test_employer_sees_who_is_trained_in_their_organisation(app, client, auth):
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        employer = factories.make_user(org, "employer")
        trained = factories.make_user(org, "tutor", full_name="Karim Diallo")
        factories.make_user(org, "tutor", full_name="Thomas Girard")
        module = factories.make_module(questions=0)
        factories.make_path(module, slug="parcours-tuteur-accueil")
        factories.complete_module(trained, module)
        email = employer.email
        outsider = factories.make_user(factories.make_organisation(), "tutor",
                                       full_name="Julie Ailleurs")
        factories.complete_module(outsider, module)
    auth.login(email)
    page = client.get("/formations/equipe").get_data(as_text=True)
    rows = {row.split("</th>")[0]: " ".join(row.split()) for row in
            page.split('<th scope="row">')[1:]}
    assert '<td>Oui</td> <td class="nowrap">Terminé</td>' in rows["Karim Diallo"]
    assert '<td>Non</td> <td class="nowrap">—</td>' in rows["Thomas Girard"]
    assert "Julie Ailleurs" not in page


def test_tutors_cannot_edit_modules(app, client, auth):
    with app.app_context():
        tutor = factories.make_user(factories.make_organisation(), "tutor").email
        slug = factories.make_module().slug
    auth.login(tutor)
    assert client.post(f"/formations/{slug}/lecons/lecon-1/supprimer").status_code == 403
    with app.app_context():
        assert len(db.session.scalar(select(Module)).lessons) == 2
        assert db.session.scalar(select(User.id).where(User.email == tutor))


def test_a_module_with_an_empty_lesson_cannot_be_published(app, client, auth):
    auth.login(_trainer(app))
    with app.app_context():
        module = factories.make_module(status="draft")
        module.lessons[1].body_md = " "
        db.session.commit()
        slug = module.slug
    page = client.post(f"/formations/{slug}/etat", data={"etat": "published"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Écrivez le texte de la leçon «\u00a0Leçon 2\u00a0»" in page
    with app.app_context():
        assert db.session.scalar(select(Module.status)) == "draft"
