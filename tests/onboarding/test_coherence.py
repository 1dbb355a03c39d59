"""What a contract says must hold together: the closing against the meetings held, the type
of contract against its end date, meetings and objectives against the contract's dates,
and nothing typed cut without a word."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import utcnow
from app.extensions import db
from app.onboarding.models import Contract
from app.onboarding.schedule import add_months
from tests.onboarding.conftest import HX, contract_of, record_form

TODAY = utcnow().date()


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _hold_first_meeting(client, world, days_ago: int = 5):
    response = client.post(f"/contrats/{world.ref}/rencontres/1",
                           data=record_form(held_on=(TODAY - timedelta(days=days_ago))
                                            .isoformat()))
    assert response.status_code == 303


def _make_cdi(app, world):
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.ref == world.ref))
        contract.contract_type, contract.end_on = "cdi", None
        db.session.commit()


def test_closing_cannot_contradict_a_meeting_held(app, client, login, world):
    login("tutor")
    _hold_first_meeting(client, world, days_ago=5)
    never_came = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "pas-de-prise-de-poste", "closed_on": TODAY.isoformat()})
    assert never_came.status_code == 422
    assert 'id="outcome-erreur"' in _text(never_came)
    assert "la personne a pris son poste" in _text(never_came)
    too_early = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "fin-de-contrat", "closed_on": (TODAY - timedelta(days=7)).isoformat()})
    assert too_early.status_code == 422 and 'id="closed_on-erreur"' in _text(too_early)
    held = (TODAY - timedelta(days=5)).strftime("%d/%m/%Y")
    assert f"La rencontre du {held} a eu lieu après cette date" in _text(too_early)
    assert contract_of(app, world.ref).status == "active"
    fine = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "fin-de-contrat", "closed_on": (TODAY - timedelta(days=5)).isoformat()})
    assert fine.status_code == 303 and contract_of(app, world.ref).status == "completed"


def test_an_overlong_closing_reason_is_refused_not_cut(app, client, login, world):
    login("tutor")
    response = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "depart-anticipe", "closed_on": TODAY.isoformat(), "reason": "x" * 2001})
    assert response.status_code == 422 and 'id="reason-erreur"' in _text(response)
    assert "2 000 caractères au plus." in _text(response)
    assert contract_of(app, world.ref).status == "active"


def test_the_meetings_of_a_contract_without_end_stay_near_the_accompaniment(app, client,
                                                                           login, world):
    _make_cdi(app, world)
    contract = contract_of(app, world.ref)
    last = add_months(contract.start_on, contract.accompaniment_months + 6)
    login("tutor")
    for url, data in ((f"/contrats/{world.ref}/rencontres/2/date", {}),
                      (f"/contrats/{world.ref}/rencontres", {})):
        data = {"planned_on": (last + timedelta(days=1)).isoformat(), **data}
        response = client.post(url, data=data)
        assert response.status_code == 422, url
        assert f"le {last.strftime('%d/%m/%Y')} au plus tard" in _text(response)
    assert len(contract_of(app, world.ref).meetings) == 3
    assert client.post(f"/contrats/{world.ref}/rencontres/2/date", data={
        "planned_on": last.isoformat()}).status_code == 303


def test_a_meeting_of_a_contract_without_end_held_late_is_recorded_on_its_day(app, client,
                                                                             login, world):
    _make_cdi(app, world)
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.ref == world.ref))
        contract.start_on = TODAY - timedelta(days=400)
        for meeting in contract.meetings:
            meeting.planned_on = meeting.scheduled_on = TODAY - timedelta(days=300)
        db.session.commit()
    login("tutor")
    response = client.post(f"/contrats/{world.ref}/rencontres/3", data=record_form(
        held_on=TODAY.isoformat()))
    assert response.status_code == 303
    assert contract_of(app, world.ref).meeting(3).held_on == TODAY


def test_an_objective_kept_as_it_was_is_not_refused_after_the_start_moved(app, client, login,
                                                                        world):
    login("employer")
    contract = contract_of(app, world.ref)
    due = contract.start_on + timedelta(days=20)
    rows = {"objectif-lignes": "1", "objectif-0-cle": contract.objectives[0]["key"],
            "objectif-0-texte": contract.objectives[0]["text"],
            "objectif-0-echeance": due.isoformat()}
    assert client.post(f"/contrats/{world.ref}/etapes/objectifs",
                       data=rows).status_code == 303
    later = contract.start_on + timedelta(days=40)
    client.post(f"/contrats/{world.ref}/etapes/dates", data={
        "start_on": later.isoformat(), "end_on": add_months(later, 12).isoformat(),
        "accompaniment_months": "6"})
    more = {**rows, "objectif-lignes": "2", "objectif-1-texte": "Connaître les résident·es"}
    assert client.post(f"/contrats/{world.ref}/etapes/objectifs",
                       data=more).status_code == 303
    assert len(contract_of(app, world.ref).objectives) == 2


def test_an_overlong_indicator_is_refused_next_to_its_field(app, client, login, world):
    login("employer")
    response = client.post(f"/contrats/{world.ref}/etapes/objectifs", data={
        "objectif-lignes": "1", "objectif-0-texte": "Réaliser une toilette seule",
        "objectif-0-indicateur": "i" * 301})
    assert response.status_code == 422
    page = _text(response)
    assert '<p class="field__error" id="objectif-0-indicateur-erreur">300 caractères' in page
    assert 'aria-describedby="objectif-0-indicateur-erreur" aria-invalid="true"' in page


def test_a_new_type_of_contract_must_fit_the_dates_given(app, client, login, world):
    _make_cdi(app, world)
    login("employer")
    identity = {"newcomer_name": "Léa Fontaine", "newcomer_email": "lea.fontaine@exemple.fr",
                "job": "aide-soignant", "contract_type": "cdd"}
    refused = client.post(f"/contrats/{world.ref}/etapes/personne", data=identity)
    assert refused.status_code == 422 and 'id="contract_type-erreur"' in _text(refused)
    assert "indiquez-la d’abord à l’étape « Les dates »" in _text(refused)
    assert contract_of(app, world.ref).contract_type == "cdi"
    start = contract_of(app, world.ref).start_on
    client.post(f"/contrats/{world.ref}/etapes/dates", data={
        "start_on": start.isoformat(), "end_on": add_months(start, 6).isoformat(),
        "accompaniment_months": "6"})
    assert client.post(f"/contrats/{world.ref}/etapes/personne",
                       data=identity).status_code == 303
    assert contract_of(app, world.ref).contract_type == "cdd"


def test_an_objective_is_not_due_before_the_contract_starts(app, client, login, world):
    login("employer")
    start = contract_of(app, world.ref).start_on
    before = contract_of(app, world.ref).objectives
    response = client.post(f"/contrats/{world.ref}/etapes/objectifs", data={
        "objectif-lignes": "1", "objectif-0-texte": "Réaliser une toilette seule",
        "objectif-0-echeance": (start - timedelta(days=1)).isoformat()}, headers=HX)
    assert response.status_code == 422
    page = _text(response)
    assert 'id="objectif-0-echeance-erreur"' in page
    assert f"ne peut pas précéder le début du contrat, le {start.strftime('%d/%m/%Y')}" in page
    assert contract_of(app, world.ref).objectives == before


def test_a_forged_row_count_erases_no_objective(app, client, login, world):
    login("employer")
    before = contract_of(app, world.ref).objectives
    response = client.post(f"/contrats/{world.ref}/etapes/objectifs", data={
        "objectif-lignes": "-5",
        **{f"objectif-{i}-{name}": o[key] for i, o in enumerate(before)
           for name, key in (("cle", "key"), ("texte", "text"), ("indicateur", "indicator"))}})
    assert response.status_code == 303
    assert [o["text"] for o in contract_of(app, world.ref).objectives] == [
        o["text"] for o in before]


def test_an_overlong_comment_is_refused_next_to_its_skill(app, client, login, world):
    login("tutor")
    response = client.post(f"/contrats/{world.ref}/rencontres/1", data=record_form(
        held_on=(TODAY - timedelta(days=5)).isoformat(),
        **{"commentaire-s-toilette": "y" * 1001}))
    assert response.status_code == 422
    page = _text(response)
    assert '<p class="field__error" id="commentaire-s-toilette-erreur">1000 caractères au plus' \
        in page
    assert 'aria-describedby="commentaire-s-toilette-erreur" aria-invalid="true"' in page
    assert "y" * 1001 in page  # given back as typed
    assert contract_of(app, world.ref).meeting(1).is_recorded is False


def test_changing_a_signed_record_says_the_signatures_are_to_renew(app, client, login, world):
    login("tutor")
    _hold_first_meeting(client, world)
    client.post(f"/contrats/{world.ref}/rencontres/1/signer", data={"party": "tutor"})
    response = client.post(f"/contrats/{world.ref}/rencontres/1", data=record_form(
        held_on=(TODAY - timedelta(days=5)).isoformat(), decisions="Autre décision."),
        follow_redirects=True)
    assert "les signatures déjà données sont à renouveler" in _text(response)


def test_a_closed_contract_shows_its_meetings_not_held_as_such(app, client, login, world):
    login("tutor")
    _hold_first_meeting(client, world)
    client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "depart-anticipe", "closed_on": TODAY.isoformat(), "reason": "Déménagement"})
    for url in (f"/contrats/{world.ref}", f"/contrats/{world.ref}/livret",
                f"/contrats/{world.ref}/rencontres/2"):
        page = _text(client.get(url))
        assert "Non tenue : le contrat est clôturé (elle était prévue le" in page, url
        assert "En retard" not in page and "en retard" not in page, url


def test_the_employer_acknowledges_a_meeting_record_too(app, client, login, world):
    login("tutor")
    _hold_first_meeting(client, world)
    assert client.post(f"/contrats/{world.ref}/rencontres/1/signer",
                       data={"party": "employer"}).status_code in (303, 422)
    assert "employer" not in {s.party for s in contract_of(app, world.ref).signatures}
    login("employer")
    page = _text(client.get(f"/contrats/{world.ref}/rencontres/1"))
    assert "L’employeur·e" in page
    response = client.post(f"/contrats/{world.ref}/rencontres/1/signer",
                           data={"party": "employer"})
    assert response.status_code == 303
    signed = [(s.party, s.meeting_id is not None) for s in contract_of(app, world.ref).signatures]
    assert ("employer", True) in signed
