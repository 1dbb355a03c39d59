"""Deleting a draft (who may, what goes, what stays) and closing a contract whatever its
start: the outcome « n’a pas pris son poste », closing dates that make sense."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Organisation, User, utcnow
from app.discussions.models import PostFile, Thread
from app.extensions import db
from app.onboarding.models import AuditEntry, Contract
from tests.factories import PDF_BYTES
from tests.onboarding import factories as onboarding
from tests.onboarding.conftest import PRINCIPALS, contract_of

TODAY = utcnow().date()


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _draft(app, world, created_by: str = "referent") -> tuple[str, int]:
    """A draft of the world's organisation, opened by `created_by`, with the tutor chosen."""
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        contract = onboarding.make_contract(
            org, tutor=db.session.get(User, world.ids["tutor"]),
            referent=db.session.get(User, world.ids["referent"]) if created_by == "referent"
            else None, status="draft", newcomer_name="Inès Moreau",
            newcomer_email="ines@exemple.fr", created_by_id=world.ids[created_by])
        return contract.ref, contract.id


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_who_may_delete_a_draft(app, client, login, world, principal):
    ref, _ = _draft(app, world)
    login(principal)
    page = client.get(f"/contrats/{ref}/supprimer")
    response = client.post(f"/contrats/{ref}/supprimer")
    if principal == "anonymous":
        assert page.status_code == 302 and response.status_code == 302
    elif principal in {"employer", "referent"}:  # the referent opened it
        assert page.status_code == 200 and "Supprimer définitivement" in _text(page)
        assert response.status_code == 303
        assert contract_of(app, ref) is not None  # the row stays, for its audit log
        assert contract_of(app, ref).status == "deleted"
    else:
        assert page.status_code == 404 and response.status_code == 404
        assert contract_of(app, ref).status == "draft"


def test_a_referent_deletes_only_the_drafts_they_opened(app, client, login, world):
    ref, _ = _draft(app, world, created_by="employer")
    with app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.ref == ref))
        contract.referent_id = world.ids["referent"]  # a party, not its author
        db.session.commit()
    login("referent")
    assert client.get(f"/contrats/{ref}").status_code == 200
    assert "Supprimer le brouillon" not in _text(client.get(f"/contrats/{ref}"))
    assert client.post(f"/contrats/{ref}/supprimer").status_code == 404
    login("employer")
    assert "Supprimer le brouillon" in _text(client.get(f"/contrats/{ref}"))


def test_an_open_contract_is_never_deleted(app, client, login, world):
    for principal in ("employer", "admin", "referent"):
        login(principal)
        assert client.get(f"/contrats/{world.ref}/supprimer").status_code == 404
        assert client.post(f"/contrats/{world.ref}/supprimer").status_code == 404
        assert "Supprimer le brouillon" not in _text(client.get(f"/contrats/{world.ref}"))
    assert contract_of(app, world.ref).status == "active"


def test_a_deleted_draft_goes_with_its_names_and_thread_and_leaves_its_audit(app, client, login,
                                                                            world):
    from app.files import storage

    ref, contract_id = _draft(app, world)
    with app.app_context():
        thread_id = db.session.scalar(select(Thread.id).where(
            Thread.private_key == f"contract:{contract_id}"))
    login("referent")
    client.post(f"/discussions/{thread_id}/repondre", data={
        "body": "Inès a un rendez-vous au CCAS", "files": [(io.BytesIO(PDF_BYTES), "x.pdf")]},
        content_type="multipart/form-data")
    with app.app_context():
        key = db.session.scalar(select(PostFile.storage_key))
        assert storage().exists(key)
    summary = _text(client.get(f"/contrats/{ref}/etapes/recapitulatif"))
    assert f"/contrats/{ref}/supprimer" in summary
    response = client.post(f"/contrats/{ref}/supprimer", follow_redirects=True)
    assert "Le brouillon du contrat d’Inès Moreau est supprimé" in _text(response)
    assert "Inès Moreau" not in _text(client.get("/contrats"))
    with app.app_context():
        assert db.session.get(Thread, thread_id) is None
        gone = db.session.get(Contract, contract_id)
        assert (gone.newcomer_name, gone.newcomer_email, gone.tutor_id, gone.referent_id) == (
            "Personne anonymisée", None, None, None)
        entries = db.session.execute(select(AuditEntry.user_id, AuditEntry.detail).where(
            AuditEntry.contract_id == contract_id)).all()
        assert not storage().exists(key)
    assert (world.ids["referent"], "Brouillon supprimé : nom, textes et fil privé effacés") in (
        entries)
    # Nobody reaches it any more, admins included; it is in no list and no count.
    for principal in ("employer", "admin"):
        login(principal)
        assert client.get(f"/contrats/{ref}").status_code == 404
        assert client.get(f"/contrats/{ref}/journal").status_code == 404
    login("employer")
    listing = _text(client.get(f"/contrats/organisations/{world.org}"))
    assert "1 contrat" in listing and "Personne anonymisée" not in listing
    assert "0 brouillon" in _text(client.get("/contrats"))


def test_drafts_do_not_count_in_the_tutors_load(app, client, login, world):
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        tutor = db.session.get(User, world.ids["other_tutor"])
        onboarding.make_contract(org, tutor=tutor)
        for _ in range(3):
            onboarding.make_contract(org, tutor=tutor, status="draft")
    ref, _ = _draft(app, world, created_by="employer")
    login("employer")
    page = _text(client.get(f"/contrats/{ref}/etapes/parties?tutor_id={world.ids['other_tutor']}"))
    assert "accompagne déjà" not in page  # one open contract, under the limit of 2


def test_a_contract_that_has_not_started_closes_as_not_taken_up(app, client, login, world):
    start = TODAY + timedelta(days=20)
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        future = onboarding.make_contract(org, tutor=db.session.get(User, world.ids["tutor"]),
                                          start=start)
        ref = future.ref
    login("tutor")
    page = _text(client.get(f"/contrats/{ref}/cloture"))
    assert "la seule issue possible est « N’a pas pris son poste »" in page
    refused = client.post(f"/contrats/{ref}/cloture", data={
        "outcome": "en-poste", "closed_on": TODAY.isoformat()})
    assert refused.status_code == 422
    assert 'id="outcome-erreur"' in _text(refused) and "N’a pas pris son poste" in _text(refused)
    refused = client.post(f"/contrats/{ref}/cloture", data={
        "outcome": "pas-de-prise-de-poste", "closed_on": (TODAY + timedelta(days=1)).isoformat()})
    assert refused.status_code == 422 and "après aujourd’hui" in _text(refused)
    response = client.post(f"/contrats/{ref}/cloture", data={
        "outcome": "pas-de-prise-de-poste", "closed_on": TODAY.isoformat(), "reason": ""})
    assert response.status_code == 303
    closed = contract_of(app, ref)
    assert (closed.status, closed.outcome, closed.closed_on) == (
        "interrupted", "pas-de-prise-de-poste", TODAY)
    assert "N’a pas pris son poste" in _text(client.get(f"/contrats/{ref}"))


def test_closing_dates_follow_the_start(app, client, login, world):
    login("tutor")  # the world's contract started ten days ago
    before = (TODAY - timedelta(days=11)).isoformat()
    refused = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "en-poste", "closed_on": before})
    assert refused.status_code == 422 and 'id="closed_on-erreur"' in _text(refused)
    assert "ne peut pas précéder son début" in _text(refused)
    # The person never came although the start has passed: any day up to today.
    response = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "pas-de-prise-de-poste", "closed_on": before})
    assert response.status_code == 303


def test_who_never_took_the_job_is_not_in_the_six_months_share(app, client, login, world):
    import csv

    long_ago = TODAY - timedelta(days=400)
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        for outcome in ("pas-de-prise-de-poste", "depart-anticipe", "depart-anticipe",
                        "depart-anticipe"):
            onboarding.make_contract(org, start=long_ago, status="interrupted",
                                     outcome=outcome, closed_on=long_ago + timedelta(days=5))
        for _ in range(3):
            onboarding.make_contract(org, start=long_ago, status="completed",
                                     outcome="en-poste", closed_on=TODAY)
    login("admin")
    rows = list(csv.reader(io.StringIO(client.get("/contrats/statistiques.csv").get_data(
        as_text=True).lstrip("\ufeff")), delimiter=";"))
    overall = dict(zip(rows[0], rows[1], strict=True))
    assert overall["Contrats à six mois"] == "6" and overall["En poste à six mois"] == "3"
    assert overall["Part en poste (%)"] == "50"
