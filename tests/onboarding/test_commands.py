"""flask contracts remind / purge / templates, the demo contracts, and audience_user_ids."""

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, User, utcnow
from app.extensions import db
from app.onboarding import policy
from app.onboarding.models import AuditEntry, Contract, ContractTemplate, Reminder, Signature
from tests import factories
from tests.conftest import counting_queries, outbox
from tests.onboarding import factories as onboarding
from tests.onboarding.conftest import contract_of

TODAY = utcnow().date()


def test_reminders_not_sent_because_the_server_is_down_go_at_the_next_run(app, runner, world,
                                                                          monkeypatch):
    import smtplib

    attempts = []

    class Refusing:
        def __init__(self, host, port):
            attempts.append(host)
            raise ConnectionRefusedError("no server")

    monkeypatch.setattr(smtplib, "SMTP", Refusing)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    monkeypatch.setattr(app.extensions["mail"], "server", "smtp.example.test")
    monkeypatch.setattr(app.extensions["mail"], "suppress", False)
    result = runner.invoke(args=["contracts", "remind"])
    assert result.exit_code == 0 and "0 rappel envoyé." in result.output
    assert attempts == ["smtp.example.test"]  # one timeout for the run, not one per person
    with app.app_context():
        assert db.session.scalar(select(func.count(Reminder.id))) == 0  # nothing marked sent
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")  # back to the outbox
    assert "3 rappels envoyés." in runner.invoke(args=["contracts", "remind"]).output


def test_remind_mails_each_party_once_about_due_and_overdue_meetings(app, runner, world):
    # The world's contract started ten days ago: meeting 1 is overdue; meeting 2 is due in
    # about twenty days (outside the 7-day window).
    result = runner.invoke(args=["contracts", "remind"])
    assert result.exit_code == 0, result.output
    mails = outbox(app)
    assert len(mails) == 3  # tutor, referent, newcomer with an account
    recipients = {m.split("\n")[0] for m in mails}
    with app.app_context():
        emails = {db.session.get(User, world.ids[p]).email
                  for p in ("tutor", "referent", "newcomer")}
    assert recipients == {f"To: {e}" for e in emails}
    assert all("Rencontre en retard" in m and f"/contrats/{world.ref}/rencontres/1" in m
               for m in mails)
    # The newcomer by first name and initial, as in the private thread.
    bodies = [m.split("\n\n", 1)[1].split("\n", 1)[1] for m in mails]  # after « Bonjour … »
    assert all("de l’accompagnement de Léa F." in b and "Fontaine" not in b for b in bodies)
    again = runner.invoke(args=["contracts", "remind"])
    assert again.exit_code == 0 and "0 rappel envoyé." in again.output
    assert len(outbox(app)) == 3
    # Meeting 2 enters the 7-day window: one mail each, once, however often it runs.
    second = contract_of(app, world.ref).meeting(2).planned_on
    for days_before in (8, 7, 6):
        runner.invoke(args=["contracts", "remind", "--today",
                            (second - timedelta(days=days_before)).isoformat()])
    later = outbox(app)[3:]
    assert len(later) == 3 and all("Rencontre à venir" in m for m in later), later
    with app.app_context():
        assert db.session.scalar(select(func.count(Reminder.id))) == 6


def test_remind_announces_a_moved_meeting_again_and_skips_closed_contracts(app, runner, world):
    runner.invoke(args=["contracts", "remind"])
    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        contract.meetings[0].planned_on = TODAY + timedelta(days=2)  # moved: due again
        db.session.commit()
    runner.invoke(args=["contracts", "remind"])
    assert sum("Rencontre à venir" in m for m in outbox(app)) == 3
    with app.app_context():
        db.session.get(Contract, world.contract).status = "completed"
        db.session.commit()
    result = runner.invoke(args=["contracts", "remind", "--today",
                                 (TODAY + timedelta(days=60)).isoformat()])
    assert "0 rappel envoyé." in result.output
    bad = runner.invoke(args=["contracts", "remind", "--today", "2026-02-30"])
    assert bad.exit_code != 0 and "AAAA-MM-JJ" in bad.output


def test_purge_anonymises_closed_contracts_and_keeps_the_figures(app, runner, client, auth,
                                                                 world):
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        tutor = db.session.get(User, world.ids["tutor"])
        old = onboarding.make_contract(org, tutor=tutor, status="completed", outcome="en-poste",
                                       start=TODAY - timedelta(days=1000),
                                       closed_on=TODAY - timedelta(days=800),
                                       newcomer_name="Ancienne Salariée",
                                       outcome_reason="Embauchée en CDI.")
        meeting = old.meetings[0]
        meeting.held_on = meeting.scheduled_on
        meeting.assessments = {"s-toilette": {"level": "acquis", "comment": "Très bien."}}
        meeting.decisions = "Rester."
        db.session.add(Signature(contract=old, party="tutor", version=1, signer_name="Karim"))
        db.session.commit()
        old_ref, old_id = old.ref, old.id
    auth.as_session(world.keys["admin"])
    before = client.get("/contrats/statistiques.csv").get_data(as_text=True)
    result = runner.invoke(args=["contracts", "purge", "--closed-before",
                                 (TODAY - timedelta(days=730)).isoformat()])
    assert result.exit_code == 0 and "1 contrat clôturé" in result.output, result.output
    purged = contract_of(app, old_ref)
    assert purged.newcomer_name == "Personne anonymisée" and purged.tutor_id is None
    assert purged.outcome_reason == "" and purged.job_description == ""
    assert purged.meetings[0].assessments == {"s-toilette": {"level": "acquis", "comment": ""}}
    assert purged.meetings[0].decisions == "" and purged.signatures == []
    assert (purged.outcome, purged.status, purged.sector) == ("en-poste", "completed", "ehpad")
    assert client.get("/contrats/statistiques.csv").get_data(as_text=True) == before
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.detail).where(
            AuditEntry.contract_id == old_id).order_by(AuditEntry.id.desc())).startswith(
            "Contrat anonymisé")
    # The world's active contract is untouched, and a second run finds nothing.
    assert contract_of(app, world.ref).newcomer_name == "Léa Fontaine"
    again = runner.invoke(args=["contracts", "purge", "--closed-before", TODAY.isoformat()])
    assert "0 contrat clôturé" in again.output
    future = runner.invoke(args=["contracts", "purge", "--closed-before",
                                 (TODAY + timedelta(days=1)).isoformat()])
    assert future.exit_code == 2 and "au plus tard aujourd’hui" in future.output
    auth.as_session(world.keys["tutor"])
    assert "Ancienne" not in client.get("/contrats").get_data(as_text=True)


def test_purge_defaults_to_the_retention_setting(app, runner, world):
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        onboarding.make_contract(org, status="completed", closed_on=TODAY - timedelta(days=400),
                                 start=TODAY - timedelta(days=600))
    app.config["CONTRACTS_RETENTION_MONTHS"] = 24
    assert "0 contrat" in runner.invoke(args=["contracts", "purge"]).output
    app.config["CONTRACTS_RETENTION_MONTHS"] = 12
    assert "1 contrat" in runner.invoke(args=["contracts", "purge"]).output


def test_the_shipped_templates_import_and_update_in_place(app, runner):
    result = runner.invoke(args=["contracts", "templates"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        templates = db.session.scalars(select(ContractTemplate)).all()
        jobs = {t.job for t in templates}
        assert {"aide-soignant", "ash", "auxiliaire-de-vie", "aes", "agent-de-service"} <= jobs
        for template in templates:
            assert template.published and template.is_shared
            assert template.sections["job_description"] and template.objectives
            assert template.skills_of("savoir-faire") and template.skills_of("savoir-etre")
        count = len(templates)
    runner.invoke(args=["contracts", "templates"])
    with app.app_context():
        assert db.session.scalar(select(func.count(ContractTemplate.id))) == count


def test_a_broken_template_file_is_named(app, runner, tmp_path):
    (tmp_path / "casse.yml").write_text("title: [pas fermé\n", encoding="utf-8")
    result = runner.invoke(args=["contracts", "templates", str(tmp_path)])
    assert result.exit_code != 0 and "casse.yml" in result.output


def test_the_demo_has_one_contract_per_stage_in_both_employers(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        for name in ("EHPAD Les Tilleuls", "Aide à domicile Loire Services"):
            contracts = db.session.scalars(select(Contract).join(Contract.organisation)
                                           .where(Organisation.name == name)
                                           .order_by(Contract.id)).all()
            assert [c.status for c in contracts] == ["draft", "active", "active", "completed"]
            _draft, first, month, closed = contracts
            assert [m.is_recorded for m in first.meetings] == [True, False, False]
            assert [m.is_recorded for m in month.meetings] == [True, True, False]
            assert closed.outcome and all(m.is_recorded for m in closed.meetings)
            assert first.referent.email == "referente@demo.compagnon.fr"
            assert first.tutor.email.endswith("@demo.compagnon.fr")
        count = db.session.scalar(select(func.count(Contract.id)))
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Contract.id))) == count


def test_audience_is_the_parties_and_the_employers_in_one_query(app, world):
    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        org = db.session.get(Organisation, world.org)
        second_employer = factories.make_user(org, "employer")
        gone = factories.make_user(org, "employer")
        gone.memberships[0].active = False
        db.session.commit()
        db.session.expire_all()
        contract = db.session.get(Contract, world.contract)
        with counting_queries(app) as queries:
            audience = policy.audience_user_ids(contract)
        assert len(queries) == 1
        assert audience == {world.ids["tutor"], world.ids["referent"], world.ids["newcomer"],
                            world.ids["employer"], second_employer.id}
        # Exactly those for whom can_view holds without being an admin.
        everyone = db.session.scalars(select(User)).all()
        assert audience == {u.id for u in everyone
                            if policy.can_view(u, contract) and not u.is_admin}
        # A tutor who left the organisation leaves the audience too.
        db.session.execute(Membership.__table__.update().where(
            Membership.user_id == world.ids["tutor"]).values(active=False))
        db.session.commit()
        db.session.expire_all()
        assert world.ids["tutor"] not in policy.audience_user_ids(
            db.session.get(Contract, world.contract))
