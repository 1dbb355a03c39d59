"""Meetings: the record and its prefill, moving dates, extra meetings, acknowledgements and
their invalidation, closing, the progress chart."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import utcnow
from app.extensions import db
from app.onboarding.models import AuditEntry
from tests.onboarding.conftest import HX, contract_of, record_form

TODAY = utcnow().date()


def _record(client, world, number=1, **overrides):
    held = overrides.pop("held_on", (TODAY - timedelta(days=10 - number)).isoformat())
    return client.post(f"/contrats/{world.ref}/rencontres/{number}",
                       data=record_form(held_on=held, **overrides))


def test_the_tutor_records_the_first_meeting(app, client, login, world):
    login("tutor")
    form = client.get(f"/contrats/{world.ref}/rencontres/1").get_data(as_text=True)
    assert "Écrire le compte rendu" in form and "repris de la rencontre" not in form
    response = _record(client, world)
    assert response.status_code == 303
    meeting = contract_of(app, world.ref).meeting(1)
    assert meeting.held_on == TODAY - timedelta(days=9)
    assert meeting.assessments["s-toilette"] == {"level": "en-cours",
                                                 "comment": "Toilette au lavabo, aidée."}
    assert "s-transfert" in meeting.assessments and meeting.objectives_status == {
        "o-toilettes": "en-cours"}
    assert meeting.attendees == ["Léa Fontaine (personne accueillie)",
                                 "Karim Diallo (tuteur·rice)", "Marie Roy (IDEC)"]
    assert meeting.record_version == 1


def test_the_next_meeting_form_starts_from_the_previous_record(app, client, login, world):
    login("tutor")
    _record(client, world)
    client.post(f"/contrats/{world.ref}/rencontres/2/date",
                data={"planned_on": (TODAY - timedelta(days=2)).isoformat()})
    page = client.get(f"/contrats/{world.ref}/rencontres/2").get_data(as_text=True)
    assert "repris de la rencontre" in page
    assert re.search(r'id="niveau-s-toilette-en-cours" value="en-cours" checked', page)
    assert 'value="Toilette au lavabo, aidée."' in page
    assert re.search(r'<option value="en-cours" selected>En cours</option>', page)
    assert contract_of(app, world.ref).meeting(2).is_recorded is False  # prefilled, not saved


def test_bad_records_are_refused_next_to_their_field(app, client, login, world):
    login("tutor")
    for overrides, name, message in [
        ({"held_on": (TODAY + timedelta(days=1)).isoformat()}, "held_on", "après aujourd’hui"),
        ({"held_on": "31/02/2026"}, "held_on", "Saisissez une date valide"),
        ({"held_on": ""}, "held_on", "Saisissez une date valide"),
        ({"held_on": "2001-01-01"}, "held_on", "précéder d’un mois"),
    ]:
        response = _record(client, world, **overrides)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, overrides
        assert f'id="{name}-erreur"' in page and message in page, overrides
    forged = _record(client, world, **{"niveau-s-toilette": "genial"})
    assert forged.status_code == 422 and "Choisissez un niveau de l’échelle." in forged.get_data(
        as_text=True)
    huge = _record(client, world, decisions="x" * 20_001)
    assert huge.status_code == 422
    assert contract_of(app, world.ref).meeting(1).is_recorded is False
    # Unknown skills and objectives, NUL characters: ignored or cleaned, never a 500.
    fine = _record(client, world, **{"niveau-inconnu": "acquis", "objectif-inconnu": "atteint",
                                     "points_acquired": "Les\x00 horaires",
                                     "attendees": ["Quelqu’un d’inventé (tuteur·rice)"]})
    assert fine.status_code == 303
    meeting = contract_of(app, world.ref).meeting(1)
    assert "inconnu" not in meeting.assessments and "inconnu" not in meeting.objectives_status
    assert meeting.points_acquired == "Les horaires"
    assert meeting.attendees == ["Marie Roy (IDEC)"]


def test_moving_a_meeting_with_and_without_htmx(app, client, login, world):
    login("referent")
    new_day = TODAY + timedelta(days=40)
    page = client.post(f"/contrats/{world.ref}/rencontres/2/date",
                       data={"planned_on": new_day.isoformat(), "planned_at": "14:30"})
    assert page.status_code == 303
    meeting = contract_of(app, world.ref).meeting(2)
    assert (meeting.planned_on, meeting.planned_at.strftime("%H:%M"), meeting.moves) == (
        new_day, "14:30", 1)
    assert meeting.scheduled_on != new_day  # the original date stays for the figures
    fragment = client.post(f"/contrats/{world.ref}/rencontres/2/date", headers=HX,
                           data={"planned_on": (new_day + timedelta(days=1)).isoformat()})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<section id="meeting_date"')
    assert "<html" not in body and 'hx-swap-oob="innerHTML"' in body  # the message is announced
    bad = client.post(f"/contrats/{world.ref}/rencontres/2/date", headers=HX,
                      data={"planned_on": "2300-01-01"})
    assert bad.status_code == 422 and "entre 2000 et 2100" in bad.get_data(as_text=True)
    bad = client.post(f"/contrats/{world.ref}/rencontres/2/date",
                      data={"planned_on": "demain", "planned_at": "25:99"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "<html" in page and 'id="planned_at-erreur"' in page
    assert contract_of(app, world.ref).meeting(2).planned_on == new_day + timedelta(days=1)


def test_an_extra_meeting_gets_the_next_number(app, client, login, world):
    login("employer")
    day = TODAY + timedelta(days=3)
    response = client.post(f"/contrats/{world.ref}/rencontres",
                           data={"planned_on": day.isoformat()})
    assert response.status_code == 303
    extra = contract_of(app, world.ref).meeting(4)
    assert (extra.kind, extra.planned_on, extra.planned_at) == ("extra", day, None)
    assert client.get(f"/contrats/{world.ref}/rencontres/4").status_code == 200
    refused = client.post(f"/contrats/{world.ref}/rencontres", data={"planned_on": ""})
    assert refused.status_code == 422 and 'id="planned_on-erreur"' in refused.get_data(
        as_text=True)


def test_each_party_signs_the_contract_and_a_change_asks_them_to_sign_again(app, client, login,
                                                                           world):
    for principal in ("employer", "tutor", "referent", "newcomer"):
        login(principal)
        response = client.post(f"/contrats/{world.ref}/signer", data={"party": principal})
        assert response.status_code == 303
    contract = contract_of(app, world.ref)
    assert {s.party for s in contract.signatures} == {"employer", "tutor", "referent",
                                                      "newcomer"}
    assert all(s.version == 1 for s in contract.signatures)
    page = client.get(f"/contrats/{world.ref}").get_data(as_text=True)
    assert page.count("✓ Signé par") == 4
    # Nobody signs for somebody else, nor twice.
    login("tutor")
    client.post(f"/contrats/{world.ref}/signer", data={"party": "referent"})
    client.post(f"/contrats/{world.ref}/signer", data={"party": "tutor"})
    assert len(contract_of(app, world.ref).signatures) == 4
    # A change of a signed section: the signatures lapse, their history stays.
    login("employer")
    client.post(f"/contrats/{world.ref}/etapes/livret",
                data={"job_description": "Une autre fiche de poste."})
    contract = contract_of(app, world.ref)
    assert contract.content_version == 2 and len(contract.signatures) == 4
    page = client.get(f"/contrats/{world.ref}").get_data(as_text=True)
    assert page.count("✓ Signé par") == 0
    assert page.count("Pas encore signé pour cette version") == 4
    assert "chaque partie doit en prendre connaissance à nouveau" in page
    # Saving the same text again changes nothing.
    client.post(f"/contrats/{world.ref}/etapes/livret",
                data={"job_description": "Une autre fiche de poste."})
    assert contract_of(app, world.ref).content_version == 2
    login("tutor")
    fragment = client.post(f"/contrats/{world.ref}/signer", data={"party": "tutor"}, headers=HX)
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="signatures"') and body.count("✓ Signé par") == 1


def test_a_newcomer_without_an_account_signs_in_the_presence_of_the_tutor(app, client, login,
                                                                          world):
    from app.onboarding.models import Contract

    with app.app_context():
        db.session.get(Contract, world.contract).newcomer_id = None
        db.session.commit()
    login("tutor")
    _record(client, world)
    page = client.get(f"/contrats/{world.ref}/rencontres/1").get_data(as_text=True)
    assert "Léa Fontaine a pris connaissance du compte rendu en ma présence" in page
    client.post(f"/contrats/{world.ref}/rencontres/1/signer", data={"party": "newcomer"})
    signature = contract_of(app, world.ref).signatures[0]
    assert (signature.party, signature.signer_name, signature.in_presence_of) == (
        "newcomer", "Léa Fontaine", "Karim Diallo")
    page = client.get(f"/contrats/{world.ref}/rencontres/1").get_data(as_text=True)
    assert "signé en présence de Karim Diallo" in page
    login("employer")  # the employer was not there
    client.post(f"/contrats/{world.ref}/signer", data={"party": "newcomer"})
    assert len(contract_of(app, world.ref).signatures) == 1


def test_a_meeting_record_signature_lapses_when_the_record_changes(app, client, login, world):
    login("tutor")
    assert client.post(f"/contrats/{world.ref}/rencontres/1/signer",
                       data={"party": "tutor"}).status_code == 303
    assert contract_of(app, world.ref).signatures == []  # nothing to sign before the record
    _record(client, world)
    client.post(f"/contrats/{world.ref}/rencontres/1/signer", data={"party": "tutor"})
    login("referent")
    response = client.post(f"/contrats/{world.ref}/rencontres/1/signer",
                           data={"party": "referent"}, headers=HX)
    assert response.get_data(as_text=True).count("✓ Signé par") == 2
    _record(client, world, decisions="Une autre décision.")
    contract = contract_of(app, world.ref)
    assert contract.meeting(1).record_version == 2
    page = client.get(f"/contrats/{world.ref}/rencontres/1").get_data(as_text=True)
    assert page.count("✓ Signé par") == 0 and page.count("avant une modification") == 2
    # The contract's own signatures are not touched by a meeting record.
    assert all(s.meeting_id is not None for s in contract.signatures)


def test_the_contract_page_charts_each_skill_with_a_text_alternative(app, client, login, world):
    login("tutor")
    _record(client, world)
    client.post(f"/contrats/{world.ref}/rencontres/2/date",
                data={"planned_on": (TODAY - timedelta(days=1)).isoformat()})
    _record(client, world, 2, held_on=(TODAY - timedelta(days=1)).isoformat(),
            **{"niveau-s-toilette": "acquis"})
    page = client.get(f"/contrats/{world.ref}").get_data(as_text=True)
    chart = re.search(r'<svg class="progress-chart".*?</svg>', page, re.S).group(0)
    assert 'role="img"' in chart and "<title" in chart
    assert "<desc" not in chart  # the text beside it is the alternative: read once, not twice
    assert all(f">{level}</text>" in chart for level in ("Non acquis", "En cours", "Acquis",
                                                         "Maîtrisé"))  # the scale, on its axis
    assert chart.count("<circle") == 2 and "<path" in chart
    assert re.search(r"En cours\s*;\s*Rencontre du [\d/]+\s*: Acquis", page)


def test_closing_records_the_outcome(app, client, login, world):
    login("tutor")
    refused = client.post(f"/contrats/{world.ref}/cloture",
                          data={"outcome": "depart-anticipe", "closed_on": TODAY.isoformat()})
    assert refused.status_code == 422 and 'id="reason-erreur"' in refused.get_data(as_text=True)
    for data in [{"outcome": "promotion", "closed_on": TODAY.isoformat()},
                 {"outcome": "en-poste", "closed_on": "2001-01-01"},
                 {"outcome": "en-poste", "closed_on": (TODAY + timedelta(days=3)).isoformat()}]:
        assert client.post(f"/contrats/{world.ref}/cloture", data=data).status_code == 422
    assert contract_of(app, world.ref).status == "active"
    response = client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "depart-anticipe", "closed_on": TODAY.isoformat(),
        "reason": "Déménagement hors du département."})
    assert response.status_code == 303
    contract = contract_of(app, world.ref)
    assert (contract.status, contract.outcome, contract.closed_on) == (
        "interrupted", "depart-anticipe", TODAY)
    # A closed contract is read-only, for everyone.
    assert client.get(f"/contrats/{world.ref}/etapes/livret").status_code == 404
    assert _record(client, world).status_code == 404
    login("employer")
    assert "Déménagement hors du département." in client.get(f"/contrats/{world.ref}").get_data(
        as_text=True)


def test_every_change_and_signature_is_in_the_audit_log(app, client, login, world):
    login("tutor")
    _record(client, world)
    client.post(f"/contrats/{world.ref}/rencontres/1/signer", data={"party": "tutor"})
    client.get(f"/contrats/{world.ref}/rencontres/1")
    with app.app_context():
        entries = db.session.execute(select(AuditEntry.user_id, AuditEntry.action,
                                            AuditEntry.detail)
                                     .order_by(AuditEntry.id)).all()
    tutor = world.ids["tutor"]
    assert (tutor, "change", "Compte rendu de la rencontre 1 enregistré") in entries
    assert (tutor, "sign", "Le tuteur ou la tutrice a signé la rencontre 1 (version 1)") in entries
    assert (tutor, "read", "Rencontre 1 consultée") in entries


def test_only_a_real_change_says_the_signatures_are_to_renew(app, client, login, world):
    for principal in ("employer", "tutor"):
        login(principal)
        client.post(f"/contrats/{world.ref}/signer", data={"party": principal})
    login("employer")
    same = {"job_description": "Soins d’hygiène et de confort.", "conditions": "Journée.",
            "roles": "Le tuteur montre, fait avec, laisse faire.", "newcomer_skills": ""}

    def saved(data):
        response = client.post(f"/contrats/{world.ref}/etapes/livret", data=data,
                               follow_redirects=True)
        return response.get_data(as_text=True)

    page = saved(same)
    assert "Aucune modification à enregistrer." in page and "à renouveler" not in page
    assert contract_of(app, world.ref).content_version == 1
    page = saved(dict(same, conditions="Nuit."))
    assert "Les signatures précédentes du contrat sont à renouveler." in page
    page = saved(dict(same, conditions="Nuit et week-end."))  # nothing left to lapse
    assert "Modifications enregistrées." in page and "à renouveler" not in page
    # The dates step of an unsigned draft, the parties of an unchanged contract: the same.
    page = client.post(f"/contrats/{world.ref}/etapes/besoins", data={"needs": ["mobilite"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Aucune modification à enregistrer." in page


def test_new_dates_of_an_open_contract_replan_the_meetings_not_held_yet(app, client, login,
                                                                       world):
    from app.onboarding.schedule import add_months

    login("tutor")
    held_on = TODAY - timedelta(days=9)
    assert _record(client, world, held_on=held_on.isoformat()).status_code == 303
    extra_day = TODAY + timedelta(days=3)
    client.post(f"/contrats/{world.ref}/rencontres", data={"planned_on": extra_day.isoformat()})
    login("employer")
    start = TODAY + timedelta(days=60)
    response = client.post(f"/contrats/{world.ref}/etapes/dates", data={
        "start_on": start.isoformat(), "end_on": add_months(start, 12).isoformat(),
        "accompaniment_months": "6"}, follow_redirects=True)
    page = response.get_data(as_text=True).replace("\u00a0", " ")
    assert "Les rencontres pas encore tenues suivent les nouvelles dates" in page
    assert "rencontre à un mois déplacée au" in page and "rencontre de bilan déplacée" in page
    contract = contract_of(app, world.ref)
    first, month, final, extra = (contract.meeting(n) for n in (1, 2, 3, 4))
    assert (first.held_on, first.planned_on) == (held_on, TODAY - timedelta(days=10))  # held
    assert (month.planned_on, month.scheduled_on, month.moves) == (
        add_months(start, 1), add_months(start, 1), 1)
    assert final.planned_on == add_months(start, 6)
    assert (extra.planned_on, extra.moves) == (extra_day, 0)  # an extra meeting stays
    assert contract.overdue_meetings(TODAY) == []
    with app.app_context():
        details = db.session.scalars(select(AuditEntry.detail)).all()
    assert any(d.startswith("Rencontres replanifiées avec les nouvelles dates : 2 déplacée au")
               for d in details), details
    # Saving a meeting again on the date it already has is never refused…
    login("tutor")
    assert _record(client, world, held_on=held_on.isoformat(),
                   decisions="Autre décision.").status_code == 303
    assert client.post(f"/contrats/{world.ref}/rencontres/4/date",
                       data={"planned_on": extra_day.isoformat(), "planned_at": "9:00"}
                       ).status_code == 303
    # … but a new date still has to fit the contract.
    refused = client.post(f"/contrats/{world.ref}/rencontres/4/date",
                          data={"planned_on": (extra_day - timedelta(days=1)).isoformat()})
    assert refused.status_code == 422 and "précéder d’un mois" in refused.get_data(as_text=True)
    # A contract cut short: the one-month meeting no longer fits, it goes.
    login("employer")
    client.post(f"/contrats/{world.ref}/etapes/dates", data={
        "start_on": start.isoformat(), "end_on": (start + timedelta(days=20)).isoformat(),
        "accompaniment_months": "6"})
    contract = contract_of(app, world.ref)
    assert [m.number for m in contract.meetings] == [1, 4, 3]
    assert contract.meeting(3).planned_on == start + timedelta(days=6)
    # Longer again: it comes back, with the next number.
    client.post(f"/contrats/{world.ref}/etapes/dates", data={
        "start_on": start.isoformat(), "end_on": add_months(start, 12).isoformat(),
        "accompaniment_months": "6"})
    contract = contract_of(app, world.ref)
    assert (contract.meeting(5).kind, contract.meeting(5).planned_on) == (
        "one_month", add_months(start, 1))


def test_forged_meeting_requests_are_refused_or_cleaned(app, client, login, world):
    login("tutor")
    _record(client, world)
    held = contract_of(app, world.ref).meeting(1)
    moved = client.post(f"/contrats/{world.ref}/rencontres/1/date",
                        data={"planned_on": (TODAY + timedelta(days=5)).isoformat()})
    assert moved.status_code == 422 and "corrigez sa date dans son compte rendu" in (
        moved.get_data(as_text=True))
    after = contract_of(app, world.ref).meeting(1)
    assert (after.planned_on, after.moves) == (held.planned_on, held.moves)
    # The same person ticked 30 times, or typed again among the others: once.
    _record(client, world, attendees=["Karim Diallo (tuteur·rice)"] * 30,
            other_attendees="Marie Roy (IDEC), marie roy (idec), Karim Diallo (tuteur·rice)")
    assert contract_of(app, world.ref).meeting(1).attendees == [
        "Karim Diallo (tuteur·rice)", "Marie Roy (IDEC)"]
