import textwrap

from sqlalchemy import func, select

from app.accounts.models import User
from app.catalogue.models import Attestation, Enrolment, LessonProgress, Module
from app.extensions import db
from tests import factories
from tests.conftest import counting_queries

HX = {"HX-Request": "true"}


def _tutor(app, **module):
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        tutor = factories.make_user(org, "tutor", full_name="Karim Diallo")
        m = factories.make_module(**module)
        return tutor.email, m.slug, [q.id for q in m.lessons[0].questions]


def test_tutors_never_see_drafts_trainers_do(app, client, auth):
    email, slug, _ = _tutor(app, status="draft")
    with app.app_context():
        trainer = factories.make_user(
            factories.make_organisation(kind="training_body", sector=None), "trainer").email
    auth.login(email)
    assert client.get(f"/formations/{slug}").status_code == 404
    assert slug not in client.get("/formations").get_data(as_text=True)
    assert client.post(f"/formations/{slug}/commencer").status_code == 404
    auth.logout()
    auth.login(trainer)
    assert "n’est pas publié" in client.get(f"/formations/{slug}").get_data(as_text=True)


def test_start_then_resume_at_the_first_unfinished_lesson(app, client, auth):
    email, slug, _ = _tutor(app, lessons=3)
    auth.login(email)
    response = client.post(f"/formations/{slug}/commencer")
    assert response.headers["Location"].endswith(f"/formations/{slug}/lecons/lecon-1")
    client.post(f"/formations/{slug}/lecons/lecon-1/terminee", data={"fait": "oui"})
    assert "Reprendre" in client.get(f"/formations/{slug}").get_data(as_text=True)
    response = client.post(f"/formations/{slug}/commencer")
    assert response.headers["Location"].endswith("/lecons/lecon-2")
    with app.app_context():
        assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_lesson_toggle_with_htmx_returns_the_progress_block(app, client, auth):
    email, slug, _ = _tutor(app)
    auth.login(email)
    response = client.post(f"/formations/{slug}/lecons/lecon-2/terminee", data={"fait": "oui"},
                           headers=HX)
    page = response.get_data(as_text=True)
    assert "<html" not in page and page.lstrip().startswith('<div id="lesson_progress"')
    assert "Leçon terminée" in page and 'value="1"' in page  # progress bar moved
    response = client.post(f"/formations/{slug}/lecons/lecon-2/terminee", data={"fait": "non"},
                           headers=HX)
    assert "J’ai terminé cette leçon" in response.get_data(as_text=True)


def test_lesson_toggle_without_javascript_goes_to_the_next_lesson(app, client, auth):
    email, slug, _ = _tutor(app)
    auth.login(email)
    response = client.post(f"/formations/{slug}/lecons/lecon-1/terminee", data={"fait": "oui"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/lecons/lecon-2")


def test_questions_give_immediate_feedback_with_the_explanation(app, client, auth):
    email, slug, (question_id,) = _tutor(app)
    auth.login(email)
    wrong = client.post(f"/formations/{slug}/questions/{question_id}", data={"choix": "1"},
                        headers=HX).get_data(as_text=True)
    assert "Pas tout à fait." in wrong and "L’accueil est l’affaire de tous." in wrong
    assert "<html" not in wrong
    assert 'id="lesson_progress"' in wrong and 'hx-swap-oob="outerHTML"' in wrong
    # Without JavaScript: back to the lesson, at the question, with the feedback.
    response = client.post(f"/formations/{slug}/questions/{question_id}", data={"choix": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#question-{question_id}")
    right = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bonne réponse." in right and "<html" in right
    empty = client.post(f"/formations/{slug}/questions/{question_id}", data={},
                        headers=HX).get_data(as_text=True)
    assert "Choisissez au moins une réponse." in empty


def test_a_module_with_questions_is_complete_only_when_each_is_answered_right(app, client,
                                                                                auth):
    email, slug, (question_id,) = _tutor(app)
    auth.login(email)
    for lesson in ("lecon-1", "lecon-2"):
        client.post(f"/formations/{slug}/lecons/{lesson}/terminee", data={"fait": "oui"})
    with app.app_context():
        assert db.session.scalar(select(Enrolment.completed_at)) is None
    client.post(f"/formations/{slug}/questions/{question_id}", data={"choix": "1"})
    with app.app_context():
        assert db.session.scalar(select(Enrolment.completed_at)) is None
    client.post(f"/formations/{slug}/questions/{question_id}", data={"choix": "0"})
    with app.app_context():
        assert db.session.scalar(select(Enrolment.completed_at)) is not None
        assert db.session.scalar(select(func.count(Attestation.id))) == 1


def test_the_public_attestation_shows_only_what_it_states(app, client):
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        tutor = factories.make_user(org, "tutor", full_name="Karim Diallo",
                                    email="karim.secret@exemple.fr", phone="06 00 00 00 00")
        module = factories.make_module(title="Transmettre les gestes", duration_minutes=45)
        code = factories.complete_module(tutor, module).code
    page = client.get(f"/attestations/{code}").get_data(as_text=True)  # no account
    for shown in ("Attestation de suivi", "Karim Diallo", "EHPAD Les Tilleuls",
                  "Transmettre les gestes", "45 minutes", code):
        assert shown in page
    assert "karim.secret@exemple.fr" not in page and "06 00 00 00 00" not in page
    assert client.get("/attestations/ABCD-EFGH-IJKL").status_code == 404


def test_completing_every_module_of_a_path_gives_the_path_attestation(app, client, auth):
    with app.app_context():
        tutor = factories.make_user(factories.make_organisation(), "tutor")
        first, second = factories.make_module(), factories.make_module()
        path = factories.make_path(first, second)
        factories.complete_module(tutor, first)
        assert db.session.scalar(select(Attestation.id).where(Attestation.path_id == path.id)) \
            is None
        factories.complete_module(tutor, second)
        assert db.session.scalar(select(Attestation.title).where(
            Attestation.path_id == path.id)) == "Parcours tuteur accueil salarié·e"
        email, slug = tutor.email, path.slug
    auth.login(email)
    assert "vous êtes tuteur·rice formé·e" in client.get(
        f"/formations/parcours/{slug}").get_data(as_text=True)


def test_catalogue_filters_with_and_without_htmx(app, client, auth):
    email, _, _ = _tutor(app, title="Transmettre", duration_minutes=20, theme="transmission")
    with app.app_context():
        factories.make_module(title="Évaluer", duration_minutes=75, theme="evaluation")
    auth.login(email)
    whole = client.get("/formations?duree=courte").get_data(as_text=True)
    assert "<html" in whole and "Transmettre" in whole and "Évaluer" not in whole
    part = client.get("/formations?theme=evaluation", headers=HX).get_data(as_text=True)
    assert "<html" not in part and "Évaluer" in part and "Transmettre" not in part


def test_catalogue_and_my_training_query_counts_do_not_grow(app, client, auth):
    email, _, _ = _tutor(app)
    auth.login(email)
    counts = []
    for _ in range(2):
        with app.app_context():
            tutor = db.session.scalar(select(User).where(User.email == email))
            for _ in range(4):
                module = factories.make_module(lessons=3, questions=2)
                factories.complete_module(tutor, module)
        with counting_queries(app) as catalogue:
            client.get("/formations")
        with counting_queries(app) as mine:
            client.get("/formations/mes-formations")
        counts.append((len(catalogue), len(mine)))
    assert counts[0] == counts[1]


def _write_module(folder, slug="transmettre", lesson_body="Montrer puis faire ensemble.",
                  lessons=("01-montrer", "02-debriefer")):
    module = folder / "modules" / slug
    module.mkdir(parents=True, exist_ok=True)
    (module / "module.md").write_text(textwrap.dedent("""\
        ---
        title: "Transmettre les gestes"
        summary: "Montrer, faire ensemble, laisser faire."
        duration_minutes: 30
        audience: tuteur
        theme: transmission
        objectives: ["Transmettre un geste"]
        ---
        Introduction.
        """), encoding="utf-8")
    for name in lessons:
        (module / f"{name}.md").write_text(textwrap.dedent(f"""\
            ---
            title: "{name}"
            duration_minutes: 10
            ---
            {lesson_body}
            """), encoding="utf-8")
    return module


def test_import_is_idempotent_and_keeps_progress_on_lessons_that_remain(app, runner,
                                                                          tmp_path):
    module_folder = _write_module(tmp_path)
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert "Modules et parcours : 1 créé(s)" in result.output
    again = runner.invoke(args=["content", "import", str(tmp_path)])
    assert "1 inchangé(s)" in again.output
    with app.app_context():
        tutor = factories.make_user(factories.make_organisation(), "tutor")
        module = db.session.scalar(select(Module))
        factories.complete_module(tutor, module)
    # A trainer edits the text of lesson 1 and removes lesson 2 in git.
    (module_folder / "01-montrer.md").write_text(
        "---\ntitle: \"Montrer\"\nduration_minutes: 12\n---\nNouveau texte.\n", encoding="utf-8")
    (module_folder / "02-debriefer.md").unlink()
    runner.invoke(args=["content", "import", str(tmp_path)])
    with app.app_context():
        module = db.session.scalar(select(Module))
        assert [lesson.slug for lesson in module.lessons] == ["montrer"]
        assert module.version == 2
        assert db.session.scalar(select(func.count(LessonProgress.id))) == 1  # lesson 1 kept
        attestation = db.session.scalar(select(Attestation))
        assert attestation.version == 1  # the version completed


def test_import_does_not_overwrite_a_module_edited_on_the_web_unless_forced(app, runner,
                                                                            tmp_path):
    folder = _write_module(tmp_path)
    runner.invoke(args=["content", "import", str(tmp_path)])
    with app.app_context():
        module = db.session.scalar(select(Module))
        module.edited_on_web, module.title = True, "Titre changé sur le web"
        db.session.commit()
    (folder / "module.md").write_text((folder / "module.md").read_text().replace(
        "Introduction.", "Introduction revue."), encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert "non écrasé" in result.output
    with app.app_context():
        assert db.session.scalar(select(Module.title)) == "Titre changé sur le web"
    runner.invoke(args=["content", "import", str(tmp_path), "--force"])
    with app.app_context():
        assert db.session.scalar(select(Module.title)) == "Transmettre les gestes"


def test_a_bad_module_file_is_reported_with_its_line_and_the_others_import(app, runner,
                                                                          tmp_path):
    _write_module(tmp_path, slug="bon-module")
    bad = _write_module(tmp_path, slug="mauvais-module")
    (bad / "01-montrer.md").write_text("---\ntitle: \"Montrer\"\nduration_minutes: beaucoup\n"
                                       "---\nTexte.\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "mauvais-module/01-montrer.md:3: duration_minutes doit être un entier" in result.output
    with app.app_context():
        assert db.session.scalars(select(Module.slug)).all() == ["bon-module"]


def test_an_archived_module_stays_readable_for_those_who_started_it(app, client, auth):
    email, slug, _ = _tutor(app)
    with app.app_context():
        newcomer = factories.make_user(factories.make_organisation(), "tutor").email
    auth.login(email)
    client.post(f"/formations/{slug}/commencer")
    with app.app_context():
        db.session.scalar(select(Module)).status = "archived"
        db.session.commit()
    page = client.get(f"/formations/{slug}").get_data(as_text=True)
    assert "Ce module est archivé" in page
    assert "Module archivé" in client.get("/formations/mes-formations").get_data(as_text=True)
    auth.logout()
    auth.login(newcomer)
    assert client.get(f"/formations/{slug}").status_code == 404
