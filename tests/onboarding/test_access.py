"""Every contract route × every principal: the expected ones get 200 (303 for a POST),
the others 404 — the same answer as for a contract that does not exist."""

from datetime import timedelta

import pytest

from app.accounts.models import utcnow
from tests.onboarding.conftest import AUDITORS, EDITORS, HX, PRINCIPALS, VIEWERS, contract_of

TODAY = utcnow().date()
PARTY = {"employer": "employer", "tutor": "tutor", "referent": "referent",
         "newcomer": "newcomer", "admin": "tutor"}

# name: (URL under /contrats/<ref>, headers, allowed principals)
GETS = {
    "page": ("", {}, VIEWERS),
    "page, htmx block": ("", HX, VIEWERS),
    "meeting": ("/rencontres/1", {}, VIEWERS),
    "meeting, htmx block": ("/rencontres/1", HX, VIEWERS),
    "livret": ("/livret", {}, VIEWERS),
    "calendar": ("/rencontres.ics", {}, VIEWERS),
    "audit": ("/journal", {}, AUDITORS),
    "audit, htmx block": ("/journal", HX, AUDITORS),
    "step": ("/etapes/livret", {}, EDITORS),
    "tutor warnings, htmx block": ("/etapes/parties?tutor_id=1", HX, EDITORS),
    "closing": ("/cloture", {}, EDITORS),
    "deleting (an open contract: nobody)": ("/supprimer", {}, set()),
}


def _post_data(name: str, principal: str, world) -> tuple[str, dict, dict]:
    soon = (TODAY + timedelta(days=20)).isoformat()
    return {
        "sign": ("/signer", {"party": PARTY.get(principal, "tutor")}, {}),
        "sign, htmx": ("/signer", {"party": PARTY.get(principal, "tutor")}, HX),
        "sign meeting": ("/rencontres/1/signer", {"party": PARTY.get(principal, "tutor")}, {}),
        "record meeting": ("/rencontres/1", {
            "held_on": (TODAY - timedelta(days=9)).isoformat(),
            "niveau-s-toilette": "en-cours", "points_acquired": "Les horaires."}, {}),
        "move meeting": ("/rencontres/2/date", {"planned_on": soon}, {}),
        "move meeting, htmx": ("/rencontres/2/date", {"planned_on": soon}, HX),
        "add meeting": ("/rencontres", {"planned_on": soon, "planned_at": "14:30"}, {}),
        "save step": ("/etapes/livret", {"job_description": "Nouvelle fiche de poste."}, {}),
        "open": ("/ouvrir", {}, {}),
        "close": ("/cloture", {"outcome": "en-poste", "closed_on": TODAY.isoformat()}, {}),
        "invite": ("/inviter", {"email": "lea.autre@exemple.fr"}, {}),
    }[name]


POSTS = {
    "sign": VIEWERS, "sign, htmx": VIEWERS, "sign meeting": VIEWERS,
    "record meeting": EDITORS, "move meeting": EDITORS, "move meeting, htmx": EDITORS,
    "add meeting": EDITORS, "save step": EDITORS, "open": EDITORS, "close": EDITORS,
    "invite": {"employer"},
}


def _sent_to_login(response) -> bool:
    """A visitor who is not signed in goes to the login page (htmx: told to go there)."""
    if response.status_code == 401:
        return "/compte/connexion" in response.headers["HX-Redirect"]
    return response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


def _record_first_meeting(client, login, world):
    login("tutor")
    response = client.post(f"/contrats/{world.ref}/rencontres/1", data={
        "held_on": (TODAY - timedelta(days=10)).isoformat(), "niveau-s-toilette": "en-cours"})
    assert response.status_code == 303


@pytest.mark.parametrize("name", list(GETS))
def test_reading_routes(app, client, login, world, name):
    _record_first_meeting(client, login, world)
    suffix, headers, allowed = GETS[name]
    for principal in PRINCIPALS:
        login(principal)
        response = client.get(f"/contrats/{world.ref}{suffix}", headers=headers)
        status = response.status_code
        if principal == "anonymous":
            assert _sent_to_login(response), name
        elif principal in allowed:
            assert status == 200, f"{name} as {principal}: {status}"
            assert response.headers["Cache-Control"] == "no-store"
        else:
            assert status == 404, f"{name} as {principal}: {status}"
            body = response.get_data(as_text=True)
            assert "Page introuvable" in body and "Contrat" not in body


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("name", list(POSTS))
def test_changing_routes(app, client, login, world, name, principal):
    _record_first_meeting(client, login, world)
    suffix, data, headers = _post_data(name, principal, world)
    before = contract_of(app, world.ref)
    login(principal)
    response = client.post(f"/contrats/{world.ref}{suffix}", data=data, headers=headers)
    status = response.status_code
    if principal == "anonymous":
        assert _sent_to_login(response)
    elif principal in POSTS[name]:
        assert status == (200 if headers else 303), f"{name} as {principal}: {status}"
    else:
        assert status == 404, f"{name} as {principal}: {status}"
        after = contract_of(app, world.ref)
        assert (after.status, after.job_description, len(after.meetings),
                len(after.signatures), [m.planned_on for m in after.meetings]) == (
            before.status, before.job_description, len(before.meetings),
            len(before.signatures), [m.planned_on for m in before.meetings])


def test_an_unknown_or_malformed_reference_is_404(client, login, world):
    login("employer")
    for ref in ["AAAAAAAAAAAAAAAA", "1", "x" * 300, "%00" * 16, world.ref.lower() + "z"]:
        assert client.get(f"/contrats/{ref}").status_code == 404
    assert client.get(f"/contrats/{world.ref}/rencontres/99").status_code == 404
    assert client.get(f"/contrats/{world.ref}/rencontres/{10**30}").status_code == 404
    assert client.get(f"/contrats/organisations/{10**30}").status_code == 404
    assert client.get("/contrats/modeles/%00%00").status_code == 404


def test_a_tutor_who_left_the_organisation_no_longer_sees_the_contract(app, client, login,
                                                                       world):
    from app.accounts.models import Membership
    from app.extensions import db

    with app.app_context():
        db.session.query(Membership).filter_by(user_id=world.ids["tutor"]).update(
            {"active": False})
        db.session.commit()
    login("tutor")
    assert client.get(f"/contrats/{world.ref}").status_code == 404


def test_trainers_see_no_contract_at_all(app, client, login, world):
    login("trainer")
    page = client.get("/contrats").get_data(as_text=True)
    assert "Léa Fontaine" not in page
    assert client.get(f"/contrats/organisations/{world.org}").status_code == 403
    assert client.get("/contrats/statistiques").status_code == 403
