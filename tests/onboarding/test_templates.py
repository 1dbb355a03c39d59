"""Contract templates: trainers publish shared ones, employers copy and adapt them."""

from sqlalchemy import select

from app.extensions import db
from app.onboarding.models import ContractTemplate
from tests.onboarding import factories as onboarding

FORM = {"title": "Auxiliaire de vie — nuit", "job": "auxiliaire-de-vie",
        "summary": "Pour les gardes de nuit.", "job_description": "Veiller au repos.",
        "conditions": "Nuit", "roles": "", "newcomer_skills": "",
        "objectives": "Gérer seul·e une nuit | Aucune alerte manquée\nConnaître les protocoles",
        "savoir_faire": "Prévenir les chutes la nuit\n\nRéagir à une alerte",
        "savoir_etre": "Rester calme"}


def _template(app, ref):
    with app.app_context():
        found = db.session.scalar(select(ContractTemplate).where(ContractTemplate.ref == ref))
        db.session.expunge_all()
        return found


def test_a_trainer_writes_then_publishes_a_shared_template(app, client, login, world):
    login("trainer")
    response = client.post("/contrats/modeles/nouveau", data=FORM)
    assert response.status_code == 303
    ref = response.headers["Location"].rsplit("/", 1)[1]
    template = _template(app, ref)
    assert template.is_shared and not template.published
    assert template.objectives == [
        {"text": "Gérer seul·e une nuit", "indicator": "Aucune alerte manquée"},
        {"text": "Connaître les protocoles", "indicator": ""}]
    assert [s["label"] for s in template.skills_of("savoir-faire")] == [
        "Prévenir les chutes la nuit", "Réagir à une alerte"]
    login("employer")  # a draft is the trainers' business
    assert client.get(f"/contrats/modeles/{ref}").status_code == 403
    assert FORM["title"] not in client.get("/contrats/modeles").get_data(as_text=True)
    login("trainer")
    assert client.post(f"/contrats/modeles/{ref}/publier",
                       data={"action": "publier"}).status_code == 303
    login("employer")
    assert FORM["title"] in client.get("/contrats/modeles").get_data(as_text=True)
    assert client.post(f"/contrats/modeles/{ref}/publier").status_code == 403
    assert client.get(f"/contrats/modeles/{ref}/modifier").status_code == 403


def test_an_employer_copies_a_shared_template_and_adapts_it(app, client, login, world):
    with app.app_context():
        shared = onboarding.make_template().ref
    login("employer")
    response = client.post(f"/contrats/modeles/{shared}/copier",
                           data={"organisation_id": str(world.other)})  # not theirs
    copy_ref = response.headers["Location"].split("/")[-2]
    copy = _template(app, copy_ref)
    assert copy.organisation_id == world.org and copy.source_id is not None
    edited = dict(FORM, title="Notre modèle aide-soignant·e")
    assert client.post(f"/contrats/modeles/{copy_ref}/modifier", data=edited).status_code == 303
    assert _template(app, copy_ref).title == "Notre modèle aide-soignant·e"
    assert _template(app, shared).title.startswith("Aide-soignant·e en EHPAD")  # untouched
    # Offered when opening a contract; invisible to another employer.
    assert "Notre modèle aide-soignant·e (votre modèle)" in client.get(
        "/contrats/nouveau").get_data(as_text=True)
    login("other_employer")
    assert client.get(f"/contrats/modeles/{copy_ref}").status_code == 404
    assert client.get(f"/contrats/modeles/{copy_ref}/livret-vierge").status_code == 404
    assert "Notre modèle" not in client.get("/contrats/nouveau").get_data(as_text=True)


def test_bad_template_input_is_refused_next_to_its_field(app, client, login, world):
    login("trainer")
    for data, name in [(dict(FORM, title=""), "title"), (dict(FORM, job="astronaute"), "job"),
                       (dict(FORM, summary="x" * 601), "summary")]:
        response = client.post("/contrats/modeles/nouveau", data=data)
        assert response.status_code == 422 and f'id="{name}-erreur"' in response.get_data(
            as_text=True)
    response = client.post("/contrats/modeles/nouveau",
                           data=dict(FORM, title="Nul\x00 caractère"))
    assert response.status_code == 303
    assert _template(app, response.headers["Location"].rsplit("/", 1)[1]).title == (
        "Nul caractère")


def test_a_contract_opened_from_a_template_keeps_its_own_copy(app, client, login, world):
    with app.app_context():
        template = onboarding.make_template()
        ref, template_id = template.ref, template.id
    login("employer")
    client.post("/contrats/nouveau", data={
        "organisation_id": str(world.org), "template_id": str(template_id),
        "newcomer_name": "Inès Moreau", "job": "aide-soignant", "contract_type": "cdd"})
    login("trainer")
    client.post(f"/contrats/modeles/{ref}/modifier", data=dict(FORM, job="aide-soignant"))
    from app.onboarding.models import Contract
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.newcomer_name ==
                                                            "Inès Moreau"))
        assert contract.job_description == "Soins d’hygiène et de confort."


def test_a_template_line_that_cannot_be_kept_is_refused_by_its_number(app, client, login,
                                                                      world):
    login("trainer")
    cases = [
        (dict(FORM, objectives="Gérer seul·e une nuit\n\n| Aucune alerte manquée"),
         "objectives", "Ligne 3 : écrivez l’objectif avant la barre verticale"),
        (dict(FORM, objectives="x" * 301), "objectives", "Ligne 1 : 300 caractères au plus"),
        (dict(FORM, savoir_faire="Prévenir les chutes\n" + "y" * 301), "savoir_faire",
         "Ligne 2 : 300 caractères au plus par compétence."),
        (dict(FORM, savoir_etre="z" * 301), "savoir_etre", "Ligne 1 : 300 caractères"),
    ]
    for data, name, message in cases:
        response = client.post("/contrats/modeles/nouveau", data=data)
        page = response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
        assert response.status_code == 422, name
        assert f'id="{name}-erreur"' in page and message in page, name
        assert data[name].splitlines()[-1] in page  # what was typed comes back
    with app.app_context():
        assert db.session.scalars(select(ContractTemplate)).all() == []


def test_a_template_file_with_an_indicator_alone_is_named(app, runner, tmp_path):
    (tmp_path / "seul.yml").write_text(
        "title: Modèle\njob: ash\nobjectives:\n  - indicator: Sans objectif\n",
        encoding="utf-8")
    result = runner.invoke(args=["contracts", "templates", str(tmp_path)])
    assert result.exit_code != 0 and "seul.yml" in result.output
    assert "écrivez l’objectif" in result.output


# --- Blank livrets in the toolbox (/outils) ----------------------------------------------


def _page(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _offered(app, **overrides) -> str:
    from app.accounts.models import utcnow

    values = {"in_toolbox": True, "toolbox_since": utcnow(), **overrides}
    with app.app_context():
        return onboarding.make_template(**values).ref


def test_a_trainer_offers_a_blank_livret_in_the_toolbox_and_withdraws_it(app, client, login,
                                                                         world):
    ref = _offered(app, title="ASH en EHPAD — livret", in_toolbox=False, toolbox_since=None)
    login("tutor")
    assert "ASH en EHPAD — livret" not in _page(client.get("/outils"))
    login("trainer")
    response = client.post(f"/contrats/modeles/{ref}/boite-a-outils",
                           data={"action": "proposer"}, follow_redirects=True)
    assert "Livret vierge proposé dans la boîte à outils." in _page(response)
    login("tutor")
    page = _page(client.get("/outils"))
    assert "Livret d’accueil vierge : ASH en EHPAD — livret" in page
    assert f'href="/contrats/modeles/{ref}/livret-vierge"' in page
    assert client.get(f"/contrats/modeles/{ref}/livret-vierge").status_code == 200
    only = _page(client.get("/outils?source=livrets"))
    assert "ASH en EHPAD — livret" in only and "1 outil" in only
    assert "ASH en EHPAD — livret" not in _page(client.get("/outils?type=pdf"))
    login("trainer")
    client.post(f"/contrats/modeles/{ref}/boite-a-outils", data={"action": "retirer"})
    login("tutor")
    assert "ASH en EHPAD — livret" not in _page(client.get("/outils"))


def test_only_a_published_shared_template_is_offered(app, client, login, world):
    draft = _offered(app, title="Brouillon de livret", published=False, in_toolbox=False,
                     toolbox_since=None)
    login("trainer")
    response = client.post(f"/contrats/modeles/{draft}/boite-a-outils",
                           data={"action": "proposer"}, follow_redirects=True)
    assert "Publiez d’abord le modèle" in _page(response)
    assert _template(app, draft).in_toolbox is False
    offered = _offered(app, title="Livret publié puis retiré")
    client.post(f"/contrats/modeles/{offered}/publier", data={"action": "retirer"})
    assert _template(app, offered).in_toolbox is False  # withdrawn from /outils with it
    login("employer")  # an employer offers nothing, not even a copy of their own
    assert client.post(f"/contrats/modeles/{offered}/boite-a-outils",
                       data={"action": "proposer"}).status_code == 403
    assert "Livret publié puis retiré" not in _page(client.get("/outils"))


def test_the_shipped_templates_are_offered_in_the_toolbox(app, client, login, world, runner):
    result = runner.invoke(args=["contracts", "templates"])
    assert result.exit_code == 0, result.output
    login("newcomer")
    page = _page(client.get("/outils?source=livrets"))
    assert page.count("Livret d’accueil vierge : ") >= 4


def test_the_toolbox_query_count_does_not_grow_with_the_blank_livrets(app, client, login,
                                                                     world):
    from tests.conftest import counting_queries

    def queries_for(livrets: int) -> int:
        for _ in range(livrets):
            _offered(app)
        login("tutor")
        with counting_queries(app) as statements:
            assert client.get("/outils").status_code == 200
        return len(statements)

    assert queries_for(1) == queries_for(7)
