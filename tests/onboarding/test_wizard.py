"""Opening a contract step by step, with and without htmx, and what bad input does."""

import re
from datetime import date

from sqlalchemy import func, select

from app.accounts.models import Organisation
from app.extensions import db
from app.onboarding.models import Contract
from tests import factories
from tests.conftest import counting_queries
from tests.onboarding import factories as onboarding
from tests.onboarding.conftest import HX, contract_of

START = date(2027, 1, 31)


def _template(app, **overrides) -> int:
    with app.app_context():
        return onboarding.make_template(**overrides).id


def _start(client, world, template_id="", **overrides):
    data = {"organisation_id": str(world.org), "template_id": str(template_id),
            "newcomer_name": "Inès Moreau", "newcomer_email": "", "job": "aide-soignant",
            "job_title": "", "contract_type": "cdd"}
    data.update(overrides)
    return client.post("/contrats/nouveau", data=data)


def _draft_ref(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Contract.ref).where(Contract.newcomer_name
                                                             == "Inès Moreau"))


def _step(client, ref, step, data, headers=None):
    return client.post(f"/contrats/{ref}/etapes/{step}", data=data, headers=headers or {})


def test_the_employer_opens_a_contract_through_every_step_without_javascript(app, client,
                                                                            login, world):
    template_id = _template(app)
    login("employer")
    page = client.get("/contrats/nouveau")
    assert page.status_code == 200 and "Aide-soignant·e en EHPAD" in page.get_data(as_text=True)
    response = _start(client, world, template_id)
    assert response.status_code == 303
    ref = _draft_ref(app)
    assert response.headers["Location"].endswith(f"/contrats/{ref}/etapes/dates")
    draft = contract_of(app, ref)
    assert draft.status == "draft" and draft.job_description == "Soins d’hygiène et de confort."
    assert [s["label"] for s in draft.skills_of("savoir-etre")] == [
        "Communiquer avec bienveillance"]

    steps = [
        ("dates", {"start_on": START.isoformat(), "end_on": "2028-01-30",
                   "accompaniment_months": "6"}, "parties"),
        ("parties", {"tutor_id": str(world.ids["tutor"]),
                     "referent_id": str(world.ids["referent"]), "newcomer_id": ""}, "livret"),
        ("livret", {"job_description": "Soins, repas, transmissions.", "conditions": "Journée",
                    "roles": "Montrer, faire avec, laisser faire.", "newcomer_skills": ""},
         "objectifs"),
        ("objectifs", {"objectif-lignes": "2", "objectif-0-cle": draft.objectives[0]["key"],
                       "objectif-0-texte": "Toilettes du matin seul·e",
                       "objectif-0-indicateur": "Six toilettes", "objectif-0-echeance":
                       "2027-03-31", "objectif-1-texte": "", "objectif-1-indicateur": ""},
         "competences"),
        ("competences", {"competence-lignes": "2", "competence-0-type": "savoir-faire",
                         "competence-0-libelle": "Réaliser une toilette",
                         "competence-0-cle": draft.skills[0]["key"],
                         "competence-1-type": "savoir-etre",
                         "competence-1-libelle": "Écouter"}, "besoins"),
        ("besoins", {"needs": ["mobilite", "vae"], "needs_note": "Permis en cours."},
         "recapitulatif"),
    ]
    for step, data, following in steps:
        response = _step(client, ref, step, data)
        assert response.status_code == 303, (step, response.get_data(as_text=True)[-2000:])
        assert response.headers["Location"].endswith(f"/etapes/{following}"), step
    summary = client.get(f"/contrats/{ref}/etapes/recapitulatif").get_data(as_text=True)
    assert "dimanche 28 février 2027" in summary  # 31 January + 1 month
    response = client.post(f"/contrats/{ref}/ouvrir")
    assert response.status_code == 303 and response.headers["Location"].endswith(ref)
    opened = contract_of(app, ref)
    assert opened.status == "active" and opened.tutor_id == world.ids["tutor"]
    assert opened.objectives[0]["key"] == draft.objectives[0]["key"]  # kept when edited
    assert opened.objectives[0]["target_on"] == "2027-03-31" and len(opened.objectives) == 1
    assert [(s["kind"], s["label"]) for s in opened.skills] == [
        ("savoir-faire", "Réaliser une toilette"), ("savoir-etre", "Écouter")]
    assert opened.needs == ["mobilite", "vae"]
    assert [(m.kind, m.planned_on) for m in opened.meetings] == [
        ("start", START), ("one_month", date(2027, 2, 28)), ("final", date(2027, 7, 31))]


def test_each_step_answers_its_block_alone_to_htmx_and_the_page_otherwise(app, client, login,
                                                                         world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    whole = client.get(f"/contrats/{ref}/etapes/dates")
    block = client.get(f"/contrats/{ref}/etapes/dates", headers=HX)
    assert "<html" in whole.get_data(as_text=True)
    fragment = block.get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="wizard"')
    assert block.headers["Cache-Control"] == "no-store" and "HX-Request" in block.headers["Vary"]
    # A good step: 303 to the next step (htmx follows it and swaps the block).
    good = _step(client, ref, "dates", {"start_on": "2027-01-04", "end_on": "",
                                        "accompaniment_months": "6"}, HX)
    assert good.status_code == 422  # a CDD needs an end date
    assert "seul un CDI n’en a pas" in good.get_data(as_text=True)
    assert "<html" not in good.get_data(as_text=True)
    good = _step(client, ref, "dates", {"start_on": "2027-01-04", "end_on": "2027-12-31",
                                        "accompaniment_months": "6"}, HX)
    assert good.status_code == 303
    # The tutor's warnings, refreshed when the select changes.
    warnings = client.get(f"/contrats/{ref}/etapes/parties?tutor_id={world.ids['tutor']}",
                          headers=HX).get_data(as_text=True)
    assert warnings.lstrip().startswith('<div id="tutor_warnings"')
    assert "n’a pas encore terminé le parcours" in warnings


def test_a_tutor_who_already_follows_two_newcomers_is_flagged_not_refused(app, client, login,
                                                                          world):
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        tutor = db.session.get(factories.User, world.ids["other_tutor"])
        onboarding.make_contract(org, tutor=tutor)
        onboarding.make_contract(org, tutor=tutor)
        onboarding.make_contract(org, tutor=tutor, status="draft")  # not a person followed yet
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    page = client.get(f"/contrats/{ref}/etapes/parties?tutor_id={world.ids['other_tutor']}")
    assert "accompagne déjà 2 personnes" in page.get_data(as_text=True)
    response = _step(client, ref, "parties", {"tutor_id": str(world.ids["other_tutor"])})
    assert response.status_code == 303
    assert "accompagne déjà 2 personnes" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert contract_of(app, ref).tutor_id == world.ids["other_tutor"]


def test_the_warnings_follow_the_settings(app, client, login, world):
    app.config["CONTRACTS_TUTOR_TRAINING_WARNING"] = False
    app.config["CONTRACTS_TUTOR_MAX_NEWCOMERS"] = 1
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    page = client.get(f"/contrats/{ref}/etapes/parties?tutor_id={world.ids['tutor']}",
                      headers=HX).get_data(as_text=True)
    assert "parcours" not in page and "accompagne déjà 1 personne" in page


def test_a_trained_tutor_gets_no_training_warning(app, client, login, world):
    with app.app_context():
        module = factories.make_module()
        factories.make_path(module, slug="parcours-tuteur-accueil")
        factories.complete_module(db.session.get(factories.User, world.ids["other_tutor"]),
                                  module)
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    page = client.get(f"/contrats/{ref}/etapes/parties?tutor_id={world.ids['other_tutor']}",
                      headers=HX).get_data(as_text=True)
    assert "parcours" not in page


def test_bad_dates_are_refused_next_to_their_field_and_nothing_is_lost(app, client, login,
                                                                      world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    assert _step(client, ref, "dates", {"start_on": "2027-01-04", "end_on": "2027-06-30",
                                        "accompaniment_months": "6"}).status_code == 303
    cases = [
        ({"start_on": "2027-06-01", "end_on": "2027-01-01"}, "end_on",
         "La date de fin doit suivre la date de début."),
        ({"start_on": "2027-02-30", "end_on": "2027-06-01"}, "start_on",
         "Saisissez une date valide"),
        ({"start_on": "20270-01-01", "end_on": ""}, "start_on", "Saisissez une date valide"),
        ({"start_on": "1899-12-31", "end_on": "2027-06-01"}, "start_on",
         "Saisissez une date entre 2000 et 2100."),
        ({"start_on": "2027-01-01", "end_on": "9999-12-31"}, "end_on",
         "Saisissez une date entre 2000 et 2100."),
        ({"start_on": "2027-01-01\x00", "end_on": ""}, "start_on", "Saisissez une date valide"),
        ({"start_on": "2027-01-01", "end_on": "2027-06-01", "accompaniment_months": "99"},
         "accompaniment_months", "de 1 à 24 mois"),
        ({"start_on": "2027-01-01", "end_on": "2027-06-01", "accompaniment_months": "six"},
         "accompaniment_months", "Indiquez une durée en mois, de 1 à 24.</p>"),
    ]
    for data, name, message in cases:
        data = {"accompaniment_months": "6", **data}
        response = _step(client, ref, "dates", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert f'id="{name}-erreur"' in page and message in page, data
    kept = contract_of(app, ref)
    assert (kept.start_on, kept.end_on) == (date(2027, 1, 4), date(2027, 6, 30))


def test_forged_choices_and_other_organisations_people_are_refused(app, client, login, world):
    other_template = None
    with app.app_context():
        other = db.session.get(Organisation, world.other)
        other_template = onboarding.make_template(organisation=other).id
    login("employer")
    for data, name in [({"organisation_id": str(world.other)}, "organisation_id"),
                       ({"organisation_id": "abc"}, "organisation_id"),
                       ({"template_id": str(other_template)}, "template_id"),
                       ({"job": "pilote"}, "job"), ({"contract_type": "cdi-plus"},
                                                    "contract_type"),
                       ({"newcomer_name": "   "}, "newcomer_name"),
                       ({"newcomer_email": "pas-une-adresse"}, "newcomer_email")]:
        response = _start(client, world, **data)
        assert response.status_code == 422, data
        assert f'id="{name}-erreur"' in response.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalar(select(func.count(Contract.id))) == 1  # the world's only
    _start(client, world)
    ref = _draft_ref(app)
    for data, message in [
        ({"tutor_id": str(world.ids["foreign_tutor"])}, "parmi les membres"),
        ({"tutor_id": str(world.ids["referent"])}, "parmi les membres"),
        ({"tutor_id": "9999"}, "parmi les membres"),
        ({"tutor_id": "un"}, "Choisissez un·e tuteur·rice"),
        ({"tutor_id": ""}, "Choisissez le tuteur ou la tutrice."),
        ({"tutor_id": str(world.ids["tutor"]), "referent_id": str(world.ids["tutor"])},
         "référent·e dans la liste"),
        ({"tutor_id": str(world.ids["tutor"]), "newcomer_id": str(world.ids["employer"])},
         "compte dans la liste"),
    ]:
        response = _step(client, ref, "parties", data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    assert contract_of(app, ref).tutor_id is None
    forged = _step(client, ref, "besoins", {"needs": ["mobilite", "voiture-de-fonction"]})
    assert forged.status_code == 422 and "Cochez des besoins de la liste." in forged.get_data(
        as_text=True)
    forged = _step(client, ref, "competences", {"competence-lignes": "1",
                                                "competence-0-type": "savoir-voler",
                                                "competence-0-libelle": "Voler"})
    assert forged.status_code == 422 and "savoir-faire ou savoir-être" in forged.get_data(
        as_text=True)
    assert contract_of(app, ref).skills == []


def test_nul_characters_and_huge_text_never_break_a_step(app, client, login, world):
    login("employer")
    response = _start(client, world, newcomer_name="Inès\x00 Moreau")
    assert response.status_code == 303
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.newcomer_name.like("In%")))
        ref = contract.ref
        assert contract.newcomer_name == "Inès Moreau"
    assert _step(client, ref, "livret", {"job_description": "Soins\x00 du matin"}
                 ).status_code == 303
    assert contract_of(app, ref).job_description == "Soins du matin"
    huge = _step(client, ref, "livret", {"job_description": "x" * 20_001})
    assert huge.status_code == 422 and "20 000 caractères au plus." in huge.get_data(as_text=True)
    assert contract_of(app, ref).job_description == "Soins du matin"
    rows = _step(client, ref, "objectifs", {"objectif-lignes": "100000",
                                            "objectif-0-texte": "A" * 5000,
                                            "objectif-1-texte": "B\x00",
                                            "objectif-2-echeance": "2027-13-01"})
    assert rows.status_code == 422
    assert 'id="objectif-2-echeance-erreur"' in rows.get_data(as_text=True)
    rows = _step(client, ref, "objectifs", {"objectif-lignes": "100000",
                                            "objectif-0-texte": "A" * 5000,
                                            "objectif-1-texte": "B\x00"})
    assert rows.status_code == 422  # refused next to its field, never cut without a word
    page = rows.get_data(as_text=True)
    assert 'id="objectif-0-texte-erreur">300 caractères au plus.' in page
    assert "A" * 5000 in page  # given back as typed
    rows = _step(client, ref, "objectifs", {"objectif-lignes": "100000",
                                            "objectif-0-texte": "A" * 300,
                                            "objectif-1-texte": "B\x00"})
    assert rows.status_code == 303
    objectives = contract_of(app, ref).objectives
    assert [len(o["text"]) for o in objectives] == [300, 1] and objectives[1]["text"] == "B"


def test_opening_needs_a_start_a_tutor_and_skills(app, client, login, world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    summary = client.get(f"/contrats/{ref}/etapes/recapitulatif").get_data(as_text=True)
    assert "la date de début" in summary and "le tuteur ou la tutrice" in summary
    response = client.post(f"/contrats/{ref}/ouvrir")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/etapes/recapitulatif")
    assert contract_of(app, ref).status == "draft"


def test_a_referent_opens_a_contract_for_a_person_they_support(app, client, login, world):
    login("referent")
    page = client.get("/contrats/nouveau").get_data(as_text=True)
    assert "SAAD Les Glycines" in page and "EHPAD Les Tilleuls" in page
    assert _start(client, world).status_code == 303
    contract = contract_of(app, _draft_ref(app))
    assert contract.referent_id == world.ids["referent"]
    assert contract.organisation_id == world.org
    login("employer")  # the employer of the organisation sees it at once
    assert client.get(f"/contrats/{contract.ref}").status_code == 200


def test_a_party_cannot_lock_themself_out_by_mistake(app, client, login, world):
    login("referent")
    response = _step(client, world.ref, "parties", {"tutor_id": str(world.ids["tutor"]),
                                                    "referent_id": ""})
    assert response.status_code == 422 and "vous n’auriez plus accès" in response.get_data(
        as_text=True)
    login("tutor")
    response = _step(client, world.ref, "parties",
                     {"tutor_id": str(world.ids["other_tutor"]),
                      "referent_id": str(world.ids["referent"])})
    assert response.status_code == 422 and 'id="tutor_id-erreur"' in response.get_data(
        as_text=True)
    assert contract_of(app, world.ref).tutor_id == world.ids["tutor"]
    login("employer")  # the employer hands the contract over
    response = _step(client, world.ref, "parties",
                     {"tutor_id": str(world.ids["other_tutor"]),
                      "referent_id": str(world.ids["referent"])})
    assert response.status_code == 303
    assert contract_of(app, world.ref).tutor_id == world.ids["other_tutor"]


def test_editing_an_opened_contract_goes_back_to_it(app, client, login, world):
    login("tutor")
    response = _step(client, world.ref, "livret", {"job_description": "Nouvelle fiche."})
    assert response.status_code == 303 and response.headers["Location"].endswith("#livret")
    assert client.get(f"/contrats/{world.ref}/etapes/recapitulatif").status_code == 404
    assert client.get(f"/contrats/{world.ref}/etapes/inconnue").status_code == 404


def test_a_wizard_step_runs_a_fixed_number_of_queries(app, client, login, world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    with counting_queries(app) as queries:
        assert client.get(f"/contrats/{ref}/etapes/parties").status_code == 200
    assert len(queries) <= 14, queries


def _value(page: str, name: str) -> str | None:
    """The value of the input called `name` in the page, or None when there is none."""
    found = re.search(rf'<input type="(?:text|date)" name="{re.escape(name)}" id="[^"]*" '
                      r'value="([^"]*)"', page)
    return found.group(1) if found else None


def test_a_refused_objectives_step_gives_back_everything_that_was_typed(app, client, login,
                                                                       world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    typed = {"objectif-lignes": "4",
             "objectif-0-texte": "Toilettes du matin", "objectif-0-indicateur": "Six toilettes",
             "objectif-0-echeance": "1999-02-10",
             "objectif-1-texte": "Transmissions écrites", "objectif-1-indicateur": "Chaque jour",
             "objectif-1-echeance": "2027-05-01",
             "objectif-2-texte": "", "objectif-2-indicateur": "", "objectif-2-echeance":
             "2027-06-01",
             "objectif-3-texte": "", "objectif-3-indicateur": "Sans objectif",
             "objectif-3-echeance": ""}
    for headers in ({}, HX):
        response = _step(client, ref, "objectifs", typed, headers)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        for name, value in typed.items():
            if name != "objectif-lignes":
                assert _value(page, name) == value, (name, headers)
        # Each error next to its own row's field, and all of them at once.
        assert 'id="objectif-0-echeance-erreur"' in page
        assert 'id="objectif-2-texte-erreur"' in page and 'id="objectif-3-texte-erreur"' in page
        assert "Décrivez l’objectif" in page and "entre 2000 et 2100" in page
        assert 'id="objectif-1-texte-erreur"' not in page
        assert _value(page, "objectif-4-texte") is None  # no empty rows added on a refusal
    assert contract_of(app, ref).objectives == []  # nothing saved


def test_a_row_with_a_date_but_no_objective_is_refused_not_dropped(app, client, login, world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    response = _step(client, ref, "objectifs", {
        "objectif-lignes": "2", "objectif-0-texte": "Toilettes du matin",
        "objectif-1-texte": "  ", "objectif-1-echeance": "2027-06-01"})
    assert response.status_code == 422
    assert 'id="objectif-1-texte-erreur"' in response.get_data(as_text=True)
    assert contract_of(app, ref).objectives == []
    # Emptied entirely, a row goes away.
    response = _step(client, ref, "objectifs", {
        "objectif-lignes": "2", "objectif-0-texte": "Toilettes du matin",
        "objectif-1-texte": "", "objectif-1-echeance": ""})
    assert response.status_code == 303
    assert [o["text"] for o in contract_of(app, ref).objectives] == ["Toilettes du matin"]


def test_a_refused_skills_step_gives_back_every_label(app, client, login, world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    response = _step(client, ref, "competences", {
        "competence-lignes": "3", "competence-0-type": "savoir-faire",
        "competence-0-libelle": "Réaliser une toilette", "competence-1-type": "savoir-etre",
        "competence-1-libelle": "Écouter", "competence-2-type": "savoir-voler",
        "competence-2-libelle": "Voler"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "savoir-faire ou savoir-être" in page
    assert _value(page, "competence-0-libelle") == "Réaliser une toilette"
    assert _value(page, "competence-1-libelle") == "Écouter"
    assert contract_of(app, ref).skills == []


def test_without_javascript_one_more_row_comes_back_with_what_was_typed(app, client, login,
                                                                       world):
    login("tutor")  # an open contract: 1 objective and 3 empty rows
    page = client.get(f"/contrats/{world.ref}/etapes/objectifs").get_data(as_text=True)
    assert 'name="objectif-lignes" value="4"' in page and "Ajouter une ligne" in page
    typed = {"objectif-lignes": "4", "objectif-0-cle": "o-toilettes",
             "objectif-0-texte": "Toilettes du matin, seul·e",
             "objectif-1-texte": "Un", "objectif-2-texte": "Deux", "objectif-3-texte": "Trois",
             "objectif-3-echeance": "2027-05-01", "action": "ligne"}
    response = _step(client, world.ref, "objectifs", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="objectif-lignes" value="5"' in page
    assert _value(page, "objectif-3-texte") == "Trois" and _value(
        page, "objectif-3-echeance") == "2027-05-01"
    assert _value(page, "objectif-4-texte") == ""
    assert 'id="objectif-4-texte" value="" maxlength="300" autofocus' in page
    assert contract_of(app, world.ref).objectives[0]["text"] == (
        "Réaliser seul·e les toilettes du matin")  # nothing saved yet
    fragment = _step(client, world.ref, "objectifs", typed, HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="wizard"')
    assert 'id="objectif-4-texte" value="" maxlength="300" data-focus-after-swap' in fragment
    # The skills: one more row of the kind asked for.
    page = _step(client, world.ref, "competences", {
        "competence-lignes": "2", "competence-0-type": "savoir-faire",
        "competence-0-cle": "s-toilette", "competence-0-libelle": "Toilette",
        "competence-1-type": "savoir-etre", "competence-1-libelle": "Écoute",
        "action": "ligne-savoir-etre"}).get_data(as_text=True)
    assert 'name="competence-lignes" value="3"' in page
    assert _value(page, "competence-0-libelle") == "Toilette"
    assert _value(page, "competence-1-libelle") == "Écoute"
    assert _value(page, "competence-2-libelle") == ""
    assert 'name="competence-2-type" value="savoir-etre"' in page


def test_duplicate_keys_get_their_own_key(app, client, login, world):
    login("tutor")
    response = _step(client, world.ref, "competences", {
        "competence-lignes": "2", "competence-0-type": "savoir-faire",
        "competence-0-cle": "s-toilette", "competence-0-libelle": "Toilette",
        "competence-1-type": "savoir-faire", "competence-1-cle": "s-toilette",
        "competence-1-libelle": "Toilette bis"})
    assert response.status_code == 303
    keys = [s["key"] for s in contract_of(app, world.ref).skills]
    assert keys[0] == "s-toilette" and len(set(keys)) == 2
    response = _step(client, world.ref, "objectifs", {
        "objectif-lignes": "2", "objectif-0-cle": "o-toilettes", "objectif-0-texte": "Un",
        "objectif-1-cle": "o-toilettes", "objectif-1-texte": "Deux"})
    assert response.status_code == 303
    keys = [o["key"] for o in contract_of(app, world.ref).objectives]
    assert keys[0] == "o-toilettes" and len(set(keys)) == 2


def test_choosing_no_tutor_again_answers_the_empty_warnings_alone(app, client, login, world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    _step(client, ref, "parties", {"tutor_id": str(world.ids["tutor"])})  # warned tutor saved
    for value in ("", "abc", "9999", str(world.ids["foreign_tutor"])):
        response = client.get(f"/contrats/{ref}/etapes/parties?tutor_id={value}", headers=HX)
        fragment = response.get_data(as_text=True)
        assert response.status_code == 200, value
        assert fragment.lstrip().startswith('<div id="tutor_warnings"'), value
        assert 'id="wizard"' not in fragment and "<form" not in fragment, value
        assert "parcours" not in fragment, value  # not the saved tutor's warnings


def test_only_the_organisations_employers_see_the_tutors_training_and_load(app, client, login,
                                                                          world):
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        tutor = db.session.get(factories.User, world.ids["other_tutor"])
        onboarding.make_contract(org, tutor=tutor)
        onboarding.make_contract(org, tutor=tutor)
    login("referent")  # opens a contract for EHPAD Les Tilleuls, a person they support
    _start(client, world)
    ref = _draft_ref(app)
    url = f"/contrats/{ref}/etapes/parties"
    page = client.get(url).get_data(as_text=True)
    assert "Thomas Girard" in page  # the names, to choose a tutor
    assert "Léa Fontaine" not in page  # not who was hired there (newcomer accounts)
    assert 'name="newcomer_id"' not in page
    for answer in (client.get(f"{url}?tutor_id={world.ids['other_tutor']}", headers=HX),
                   client.get(f"{url}?tutor_id={world.ids['other_tutor']}")):
        text = answer.get_data(as_text=True)
        assert "parcours" not in text and "accompagne déjà" not in text
    saved = _step(client, ref, "parties", {"tutor_id": str(world.ids["other_tutor"]),
                                           "referent_id": str(world.ids["referent"])})
    assert saved.status_code == 303
    next_page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "parcours" not in next_page and "accompagne déjà" not in next_page
    login("employer")  # the employer, on the same step, is warned
    page = client.get(url).get_data(as_text=True)
    assert "accompagne déjà 2 personnes" in page and 'name="newcomer_id"' in page
    assert "Léa Fontaine" in page


def test_a_referent_saving_the_parties_keeps_the_newcomers_account(app, client, login, world):
    login("referent")
    response = _step(client, world.ref, "parties", {"tutor_id": str(world.ids["tutor"]),
                                                    "referent_id": str(world.ids["referent"]),
                                                    "newcomer_id": ""})
    assert response.status_code == 303
    assert contract_of(app, world.ref).newcomer_id == world.ids["newcomer"]


def test_after_an_htmx_step_the_focus_goes_to_the_heading_or_the_errors(app, client, login,
                                                                       world):
    login("employer")
    _start(client, world)
    ref = _draft_ref(app)
    fragment = client.get(f"/contrats/{ref}/etapes/dates", headers=HX).get_data(as_text=True)
    assert '<h2 id="etape-titre" tabindex="-1" data-focus-after-swap>' in fragment
    assert fragment.count("data-focus-after-swap") == 1
    # A whole page never carries it: it would steal the focus at the next swap.
    assert "data-focus-after-swap" not in client.get(f"/contrats/{ref}/etapes/dates").get_data(
        as_text=True)
    refused = _step(client, ref, "dates", {"start_on": "2027-06-01", "end_on": "2027-01-01",
                                           "accompaniment_months": "6"}, HX)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and body.count("data-focus-after-swap") == 1
    assert re.search(r'<div class="alert alert--error" role="alert" tabindex="-1" '
                     r'data-focus-after-swap>', body)
    assert '<a href="#end_on">' in body
    rows = _step(client, ref, "objectifs", {"objectif-lignes": "1", "objectif-0-echeance":
                                            "2027-13-01"}, HX).get_data(as_text=True)
    assert rows.count("data-focus-after-swap") == 1 and '<a href="#objectif-0-echeance">' in rows
    radio = _step(client, ref, "personne", {"newcomer_name": "Inès Moreau", "job": "ash",
                                            "contract_type": "cdi-plus"}, HX)
    assert '<a href="#contract_type-1">' in radio.get_data(as_text=True)


def test_the_template_chosen_gives_the_job_unless_another_is_chosen(app, client, login, world):
    ash = _template(app, job="ash", title="ASH en EHPAD")
    login("employer")
    page = client.get("/contrats/nouveau").get_data(as_text=True)
    assert '<option selected value="">Celui du modèle choisi</option>' in page
    assert _start(client, world, ash, job="").status_code == 303
    assert contract_of(app, _draft_ref(app)).job == "ash"
    with app.app_context():
        db.session.execute(db.delete(Contract).where(Contract.newcomer_name == "Inès Moreau"))
        db.session.commit()
    assert _start(client, world, ash, job="aes").status_code == 303  # chosen: it wins
    assert contract_of(app, _draft_ref(app)).job == "aes"
    refused = _start(client, world, "", job="", newcomer_name="Sans Modèle")
    assert refused.status_code == 422 and 'id="job-erreur"' in refused.get_data(as_text=True)
