import io
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import Organisation, User, utcnow
from app.extensions import db
from app.inventory.models import Campaign, DescribedPractice, InventoryAnswer
from app.library.models import Practice, PracticeFile
from tests import factories
from tests.conftest import counting_queries, outbox

HX = {"HX-Request": "true"}

COMPLETE = {
    "q-effectif_salaries": "64",
    "q-phases_formalisees": ["avant-arrivee", "premier-jour"],
    "q-duree_accompagnement": "un-mois",
    "q-outils_utilises": ["livret-accueil", "binome"],
    "q-tuteurs_designes": "oui-formes",
    "q-difficultes": ["manque-de-temps"],
    "q-besoins": ["formation-tuteurs"],
}


def _setup(app, **campaign):
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        employer = factories.make_user(org, "employer")
        training = factories.make_organisation(kind="training_body", sector=None)
        trainer = factories.make_user(training, "trainer")
        c = factories.make_campaign(**campaign)
        return c.id, org.id, employer.email, trainer.email


def _url(campaign_id, org_id, suffix=""):
    return f"/recensement/{campaign_id}/organisations/{org_id}{suffix}"


def _answer(app, campaign_id):
    with app.app_context():
        return db.session.scalar(select(InventoryAnswer).where(
            InventoryAnswer.campaign_id == campaign_id))


def test_trainer_opens_a_campaign_with_a_copy_of_the_questionnaire(app, client, auth):
    _, _, _, trainer = _setup(app)
    auth.login(trainer)
    today = utcnow().date()
    response = client.post("/recensement/nouveau", data={
        "title": "Recensement 2027", "questionnaire": "recensement-pratiques",
        "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=30)).isoformat()})
    assert response.status_code == 303
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.title == "Recensement 2027"))
        assert len(campaign.questionnaire.questions) >= 14


def test_closing_before_opening_is_refused_next_to_the_field(app, client, auth):
    _, _, _, trainer = _setup(app)
    auth.login(trainer)
    response = client.post("/recensement/nouveau", data={
        "title": "Recensement", "questionnaire": "recensement-pratiques",
        "opens_on": "2026-12-01", "closes_on": "2026-11-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="closes_on-erreur"' in page and "doit suivre la date d’ouverture" in page


def test_an_employer_cannot_open_a_campaign(app, client, auth):
    _, _, employer, _ = _setup(app)
    auth.login(employer)
    assert client.get("/recensement/nouveau").status_code == 403


def test_autosave_keeps_a_draft_without_checking_it(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    auth.login(employer)
    response = client.post(_url(campaign_id, org_id, "/brouillon"), headers=HX,
                           data={"q-effectif_salaries": "douze", "q-outil_le_plus_utile":
                                 "Le livret", "pratique-0-titre": "Le café",
                                 "pratique-0-description": ""})
    assert response.status_code == 200
    assert "Brouillon enregistré automatiquement" in response.get_data(as_text=True)
    answer = _answer(app, campaign_id)
    assert answer.status == "draft"
    assert answer.values["q-effectif_salaries".removeprefix("q-")] == "douze"
    # Coming back later: what was typed is there.
    page = client.get(_url(campaign_id, org_id)).get_data(as_text=True)
    assert 'value="douze"' in page and 'value="Le café"' in page


def test_submitting_an_incomplete_answer_shows_errors_next_to_the_questions(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    auth.login(employer)
    data = {**COMPLETE, "q-effectif_salaries": "-3", "q-duree_accompagnement": "",
            "pratique-0-titre": "", "pratique-0-description": "Un café le lundi",
            "action": "envoyer"}
    response = client.post(_url(campaign_id, org_id), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="q-effectif_salaries-erreur"' in page and "supérieur ou égal à 1" in page
    assert 'id="q-duree_accompagnement-erreur"' in page
    assert 'id="pratique-0-titre-erreur"' in page
    assert "Un café le lundi" in page  # nothing typed is lost
    assert _answer(app, campaign_id).status == "draft"


def test_a_complete_answer_is_submitted_once_and_then_read_only(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    auth.login(employer)
    data = {**COMPLETE, "pratique-0-titre": "Le café d’accueil",
            "pratique-0-description": "Chaque lundi.", "pratique-0-etape": "premier-jour",
            "pratique-0-categorie": "accueil", "action": "envoyer"}
    assert client.post(_url(campaign_id, org_id), data=data).status_code == 303
    answer = _answer(app, campaign_id)
    assert answer.status == "submitted"
    client.post(_url(campaign_id, org_id, "/brouillon"), data={"q-effectif_salaries": "1"})
    assert _answer(app, campaign_id).values["effectif_salaries"] == "64"
    with app.app_context():
        assert db.session.scalar(select(func.count(InventoryAnswer.id))) == 1


def test_one_answer_per_organisation_even_with_two_employers(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    with app.app_context():
        second = factories.make_user(db.session.get(Organisation, org_id), "employer").email
    auth.login(employer)
    client.post(_url(campaign_id, org_id, "/brouillon"), data={"q-effectif_salaries": "10"})
    auth.logout()
    auth.login(second)
    client.post(_url(campaign_id, org_id, "/brouillon"), data={"q-effectif_salaries": "12"})
    with app.app_context():
        assert db.session.scalar(select(func.count(InventoryAnswer.id))) == 1
    assert _answer(app, campaign_id).values["effectif_salaries"] == "12"


def test_adding_and_removing_practice_blocks_without_javascript(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    auth.login(employer)
    client.post(_url(campaign_id, org_id), data={"action": "ajouter"})
    with app.app_context():
        first_id = db.session.scalar(select(DescribedPractice.id))
    client.post(_url(campaign_id, org_id), data={
        "pratique-0-id": first_id,
        "pratique-0-titre": "Premier", "pratique-0-description": "a", "action": "ajouter"})
    answer = _answer(app, campaign_id)
    with app.app_context():
        titles = [p.title for p in db.session.get(InventoryAnswer, answer.id).practices]
    assert titles == ["Premier", ""]
    client.post(_url(campaign_id, org_id), data={
        "pratique-0-titre": "Premier", "pratique-0-description": "a",
        "pratique-1-titre": "", "pratique-1-description": "", "action": "retirer-0"})
    with app.app_context():
        titles = [p.title for p in db.session.get(InventoryAnswer, answer.id).practices]
    assert titles == [""]


def test_a_refused_file_is_reported_and_the_rest_is_kept(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    auth.login(employer)
    data = {"q-effectif_salaries": "64", "pratique-0-titre": "Le livret",
            "pratique-0-description": "Notre livret",
            "pratique-0-fichier": (io.BytesIO(b"MZ\x90\x00binary"), "outil.exe"),
            "action": "enregistrer"}
    response = client.post(_url(campaign_id, org_id), data=data,
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="pratique-0-fichier-erreur"' in page and "n’est pas accepté" in page
    answer = _answer(app, campaign_id)
    assert answer.values["effectif_salaries"] == "64"


def test_a_closed_campaign_accepts_no_answer(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app, days_left=-2)
    auth.login(employer)
    page = client.get(_url(campaign_id, org_id)).get_data(as_text=True)
    assert "n’est pas ouvert aux réponses" in page
    response = client.post(_url(campaign_id, org_id, "/brouillon"),
                           data={"q-effectif_salaries": "3"})
    assert "clos" in response.get_data(as_text=True)
    assert _answer(app, campaign_id) is None


def test_an_employer_cannot_answer_for_another_organisation(app, client, auth):
    campaign_id, org_id, _, _ = _setup(app)
    with app.app_context():
        intruder = factories.make_user(factories.make_organisation(), "employer").email
    auth.login(intruder)
    assert client.post(_url(campaign_id, org_id, "/brouillon"),
                       data={"q-effectif_salaries": "1"}).status_code == 403
    assert _answer(app, campaign_id) is None


def test_trainer_turns_a_described_practice_into_a_linked_draft_sheet(app, client, auth):
    campaign_id, org_id, employer, trainer = _setup(app)
    with app.app_context():
        answer = factories.make_answer(db.session.get(Campaign, campaign_id),
                                       db.session.get(Organisation, org_id), submitted=True,
                                       with_file=True)
        answer.submitted_by = db.session.scalar(select(User).where(User.email == employer))
        db.session.commit()
        described_id = answer.practices[0].id
    auth.login(trainer)
    response = client.post(f"/recensement/pratiques/{described_id}/fiche")
    assert response.status_code == 303 and "/modifier" in response.headers["Location"]
    with app.app_context():
        described = db.session.get(DescribedPractice, described_id)
        practice = described.practice
        assert practice.status == "draft" and practice.organisation_id == org_id
        assert practice.title == "Le café d’accueil 1"
        assert (practice.category, practice.phase) == ("accueil", "premier-jour")
        assert practice.revisions[0].origin == "inventory"
        assert [f.filename for f in practice.files] == ["Livret.pdf"]
    mails = outbox(app)
    assert len(mails) == 1 and "devient une fiche" in mails[0]
    # A second click does not create a second sheet.
    client.post(f"/recensement/pratiques/{described_id}/fiche")
    with app.app_context():
        assert db.session.scalar(select(func.count(Practice.id))) == 1
        assert db.session.scalar(select(func.count(PracticeFile.id))) == 1


def test_dashboard_shows_rates_charts_and_coverage(app, client, auth):
    campaign_id, org_id, _, trainer = _setup(app)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        factories.make_answer(campaign, db.session.get(Organisation, org_id), submitted=True,
                              effectif_salaries="64", phases_formalisees=["premier-jour"])
        factories.make_organisation(sector="domicile")
        factories.make_practice(db.session.get(Organisation, org_id), category="accueil",
                                phase="premier-jour")
    auth.login(trainer)
    page = client.get(f"/recensement/{campaign_id}").get_data(as_text=True)
    assert "1 sur 1" in page  # EHPAD: the one EHPAD employer answered
    assert "0 sur 1" in page  # home care: nobody yet
    assert '<svg viewBox' in page and "<title id=\"q-phases_formalisees-titre\">" in page
    assert "Le premier jour (accueil, visite, présentation à l’équipe)\u00a0: 1" in page \
        or "Le premier jour (accueil, visite, présentation à l’équipe) : 1" in page
    assert 'href="/pratiques?categorie=accueil&amp;etape=premier-jour"' in page


def test_dashboard_query_count_does_not_grow_with_answers(app, client, auth):
    campaign_id, _, _, trainer = _setup(app)
    auth.login(trainer)
    counts = []
    for _ in range(2):
        with app.app_context():
            campaign = db.session.get(Campaign, campaign_id)
            for _ in range(5):
                factories.make_answer(campaign, factories.make_organisation(), submitted=True,
                                      practices=2, effectif_salaries="10")
        with counting_queries(app) as queries:
            assert client.get(f"/recensement/{campaign_id}").status_code == 200
        with counting_queries(app) as listing:
            assert client.get(f"/recensement/{campaign_id}/reponses").status_code == 200
        counts.append((len(queries), len(listing)))
    assert counts[0] == counts[1]


def test_csv_export_has_one_row_per_answer_and_no_formulas(app, client, auth):
    campaign_id, org_id, _, trainer = _setup(app)
    with app.app_context():
        factories.make_answer(db.session.get(Campaign, campaign_id),
                              db.session.get(Organisation, org_id), submitted=True,
                              outil_le_plus_utile="=HYPERLINK(\"http://x\")",
                              phases_formalisees=["premier-jour"])
    auth.login(trainer)
    response = client.get(f"/recensement/{campaign_id}/export.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "attachment" in response.headers[
        "Content-Disposition"]
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and lines[1].startswith("EHPAD Les Tilleuls;")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text
    assert "Le premier jour (accueil" in lines[1]


def test_employer_is_sent_to_their_answer_from_the_campaign(app, client, auth):
    campaign_id, org_id, employer, _ = _setup(app)
    auth.login(employer)
    response = client.get(f"/recensement/{campaign_id}")
    assert response.headers["Location"].endswith(_url(campaign_id, org_id))


def test_an_answer_reads_with_its_labels_for_its_employer_and_trainers(app, client, auth):
    campaign_id, org_id, employer, trainer = _setup(app)
    with app.app_context():
        answer = factories.make_answer(
            db.session.get(Campaign, campaign_id), db.session.get(Organisation, org_id),
            submitted=True, effectif_salaries="64", phases_formalisees=["premier-jour"],
            duree_accompagnement="un-mois")
        answer_id = answer.id
    for email in (employer, trainer):
        auth.login(email)
        page = client.get(f"/recensement/{campaign_id}/reponses/{answer_id}").get_data(
            as_text=True)
        assert "64 salarié·es" in page and "Environ un mois" in page
        assert "Le premier jour (accueil" in page and "Le café d’accueil 1" in page
        assert ("Créer une fiche brouillon" in page) == (email == trainer)
        auth.logout()
