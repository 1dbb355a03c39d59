"""The printable livret, the .ics calendar, the audit log page, the personal data download,
the anonymous figures."""

import csv
import io
import json
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select

from app.accounts.models import Organisation, User, utcnow
from app.extensions import db
from app.onboarding.calendar import escape, fold
from app.onboarding.models import AuditEntry, Contract
from tests import factories
from tests.conftest import counting_queries
from tests.onboarding import factories as onboarding
from tests.onboarding.conftest import HX, contract_of, record_form

TODAY = utcnow().date()


def _audit(app, contract_id):
    with app.app_context():
        return db.session.execute(select(AuditEntry.user_id, AuditEntry.action,
                                         AuditEntry.detail)
                                  .where(AuditEntry.contract_id == contract_id)
                                  .order_by(AuditEntry.id)).all()


def test_the_calendar_file_parses_and_has_every_meeting(app, client, login, world):
    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        contract.newcomer_name = "Léa; dite « Léa », 2e\\équipe Fontaine"
        contract.meetings[1].planned_at = time(14, 30)
        contract.meetings[1].moves = 2
        db.session.commit()
    login("newcomer")
    response = client.get(f"/contrats/{world.ref}/rencontres.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 3
    first, second, third = events
    assert first["UID"] == f"{world.ref}-1@127.0.0.1"
    # The first name and initial only, escaped as RFC 5545 wants.
    assert str(first["SUMMARY"]) == ("Rencontre de démarrage – accompagnement de "
                                     "Léa; dite « Léa », 2e\\équipe F.")
    assert str(calendar["X-WR-CALNAME"]).endswith("2e\\\\équipe F.")  # as written, escaped
    assert b"Fontaine" not in raw
    assert first.decoded("DTSTART") == TODAY - timedelta(days=10)  # an all-day event
    assert first.decoded("DTEND") == TODAY - timedelta(days=9)
    start = second.decoded("DTSTART")
    assert isinstance(start, datetime) and start.tzinfo is not None
    assert start.astimezone(ZoneInfo("Europe/Paris")).time() == time(14, 30)
    assert second.decoded("DTEND") - start == timedelta(hours=1)
    assert int(second["SEQUENCE"]) == 2
    assert "DTSTAMP" in third and str(third["URL"]).endswith(f"/contrats/{world.ref}/rencontres/3")
    assert ("export", "Rencontres exportées (.ics)") in [(a, d) for _, a, d in
                                                          _audit(app, world.contract)]


def test_folding_never_splits_a_character_and_escaping_follows_rfc_5545():
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    parts = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in parts) and all(p.startswith(b" ") for p in parts[1:])
    assert "".join(p.decode()[1:] if i else p.decode() for i, p in enumerate(parts)) == line
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert fold("court") == "court"


def test_the_livret_holds_the_contract_the_meetings_and_the_signatures(app, client, login,
                                                                       world):
    login("tutor")
    client.post(f"/contrats/{world.ref}/rencontres/1",
                data=record_form(held_on=(TODAY - timedelta(days=9)).isoformat()))
    client.post(f"/contrats/{world.ref}/rencontres/1/signer", data={"party": "tutor"})
    client.post(f"/contrats/{world.ref}/signer", data={"party": "tutor"})
    login("employer")
    page = client.get(f"/contrats/{world.ref}/livret").get_data(as_text=True)
    for text in ["Livret d’accueil et contrat d’objectifs", "Léa Fontaine", "Fiche de poste",
                 "Soins d’hygiène et de confort.", "Réaliser seul·e les toilettes du matin",
                 "Communiquer avec bienveillance", "Formation gestes et postures.",
                 "Signatures du contrat", "signé par Karim Diallo", "Toilette au lavabo, aidée."]:
        assert text in page, text
    assert page.count('class="livret__meeting"') == 4  # three meetings, then the signatures
    assert (world.ids["employer"], "export", "Livret imprimable ouvert") in _audit(
        app, world.contract)


def test_a_blank_livret_prints_a_shared_template_for_the_toolbox(app, client, login, world):
    with app.app_context():
        template = onboarding.make_template(in_toolbox=True, toolbox_since=utcnow())
        ref = template.ref
        draft_ref = onboarding.make_template(published=False).ref
    login("tutor")
    page = client.get(f"/contrats/modeles/{ref}/livret-vierge").get_data(as_text=True)
    assert "Livret d’accueil et contrat d’objectifs" in page and "Date et signature" in page
    assert "Réaliser une toilette complète" in page
    assert client.get(f"/contrats/modeles/{draft_ref}/livret-vierge").status_code == 403
    tools = client.get("/outils").get_data(as_text=True)
    assert f'href="/contrats/modeles/{ref}/livret-vierge"' in tools


def test_the_audit_log_shows_who_read_changed_exported_and_signed(app, client, login, world):
    login("referent")
    client.get(f"/contrats/{world.ref}")
    client.post(f"/contrats/{world.ref}/signer", data={"party": "referent"})
    client.post(f"/contrats/{world.ref}/etapes/besoins", data={"needs": ["vae"]})
    client.get(f"/contrats/{world.ref}/rencontres.ics")
    login("employer")
    page = client.get(f"/contrats/{world.ref}/journal").get_data(as_text=True)
    for action, detail in [("Lecture", "Page du contrat consultée"),
                           ("Signature", "Le ou la référent·e a signé le contrat"),
                           ("Modification", "Accompagnement à la carte modifié"),
                           ("Export", "Rencontres exportées (.ics)")]:
        assert f"<td>Fatou Ndiaye</td><td>{action}</td><td>{detail}" in page, detail
    fragment = client.get(f"/contrats/{world.ref}/journal", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="journal_list"') and "<html" not in fragment
    assert (world.ids["employer"], "read", "Journal consulté") in _audit(app, world.contract)


def test_personal_data_holds_the_persons_contracts_and_nothing_of_others(app, client, login,
                                                                         world):
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        stranger = onboarding.make_contract(org, tutor=db.session.get(
            User, world.ids["other_tutor"]), newcomer_name="Samir Autre")
        stranger_ref = stranger.ref
    login("tutor")
    profile = client.get("/compte").get_data(as_text=True)
    assert "/compte/mes-donnees.json" in profile
    response = client.get("/compte/mes-donnees.json")
    assert response.headers["Content-Type"] == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profil"]["nom"] == "Karim Diallo"
    assert [c["reference"] for c in data["contrats_d_accueil"]] == [world.ref]
    mine = data["contrats_d_accueil"][0]
    assert mine["role"] == "tuteur ou tutrice" and mine["personne_accueillie"] == "Léa Fontaine"
    assert "email_personne_accueillie" not in mine  # another person's contact data
    assert len(mine["rencontres"]) == 3 and mine["competences"]
    text = response.get_data(as_text=True)
    assert "Samir Autre" not in text and stranger_ref not in text
    # An employer sees every contract of the organisation, but they are not theirs.
    login("employer")
    assert json.loads(client.get("/compte/mes-donnees.json").get_data(
        as_text=True))["contrats_d_accueil"] == []
    login("newcomer")
    data = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    assert [c["role"] for c in data["contrats_d_accueil"]] == ["personne accueillie"]
    assert "email_personne_accueillie" in data["contrats_d_accueil"][0]


def test_admins_see_anonymous_figures_by_sector_as_a_page_and_csv(app, client, login, world):
    with app.app_context():
        ehpad = db.session.get(Organisation, world.org)
        home = db.session.get(Organisation, world.other)
        long_ago = TODAY - timedelta(days=400)
        kept = onboarding.make_contract(ehpad, start=long_ago, newcomer_name="Alice Zed")
        for meeting in kept.meetings:
            meeting.held_on = meeting.scheduled_on + timedelta(days=3)
        left = onboarding.make_contract(home, start=long_ago, status="interrupted",
                                        outcome="depart-anticipe",
                                        closed_on=long_ago + timedelta(days=40))
        left.meetings[0].held_on = long_ago + timedelta(days=30)  # late
        onboarding.make_contract(home, status="draft")  # not counted
        db.session.commit()
    login("admin")
    page = client.get("/contrats/statistiques").get_data(as_text=True)
    assert "Alice Zed" not in page and "Léa Fontaine" not in page
    assert "EHPAD Les Tilleuls" not in page  # no organisation either
    assert page.count('class="chart__svg"') == 4
    rows = list(csv.reader(io.StringIO(client.get("/contrats/statistiques.csv").get_data(
        as_text=True).lstrip("\ufeff")), delimiter=";"))
    header, overall = rows[0], rows[1]
    figures = dict(zip(header, overall, strict=True))
    assert figures["Secteur"] == "Ensemble" and figures["Contrats ouverts"] == "3"
    # 2, 1 and 1: small counts are not given (statistical secrecy), nor shares made of them.
    assert figures["Contrats à six mois"] == "moins de 3"
    assert figures["En poste à six mois"] == "moins de 3"
    assert figures["Départ anticipé"] == "moins de 3" and figures["Part en poste (%)"] == (
        "non diffusé")
    assert figures["Rencontres dues"] == "6" and figures["Part à temps (%)"] == "50"
    by_sector = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_sector["EHPAD"]["Rencontres tenues à temps"] == "3"
    assert by_sector["Aide et accompagnement à domicile"]["Rencontres tenues à temps"] == "0"


def test_lists_run_the_same_number_of_queries_whatever_their_length(app, client, login, world):
    def count(url):
        with counting_queries(app) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    login("tutor")
    urls = ["/contrats", f"/contrats/organisations/{world.org}"]
    login("employer")
    before = {u: count(u) for u in urls[1:]}
    login("tutor")
    before["/contrats"] = count("/contrats")
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        tutor = db.session.get(User, world.ids["tutor"])
        referent = factories.make_user(org, "tutor")
        for _ in range(24):
            onboarding.make_contract(org, tutor=tutor, referent=referent)
    login("tutor")
    assert count("/contrats") == before["/contrats"]
    login("employer")
    assert count(urls[1]) == before[urls[1]]
    # Paginated: 20 a page.
    page = client.get(f"/contrats/organisations/{world.org}?page=1").get_data(as_text=True)
    assert "25 contrats" in page and page.count("<tr") == 21  # a header and 20 rows
    assert "Page 1 sur 2" in page
    fragment = client.get(f"/contrats/organisations/{world.org}?etat=draft",
                          headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="contracts_list"') and "<html" not in fragment
    assert "Aucun contrat ne correspond." in fragment


def test_overdue_meetings_are_highlighted_on_my_list(app, client, login, world):
    login("tutor")
    page = client.get("/contrats").get_data(as_text=True)
    assert 'class="is-overdue"' in page and "En retard" in page
    client.post(f"/contrats/{world.ref}/rencontres/1",
                data=record_form(held_on=(TODAY - timedelta(days=10)).isoformat()))
    page = client.get("/contrats").get_data(as_text=True)
    assert 'class="is-overdue"' not in page and "Rencontre à un mois" in page
    fragment = client.get("/contrats", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="contracts_list"')


def test_an_invited_newcomer_finds_their_contract(app, client, login, world):
    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        contract.newcomer_id = None
        db.session.commit()
    login("employer")
    response = client.post(f"/contrats/{world.ref}/inviter", data={"email": "lea@exemple.fr"})
    assert response.status_code == 303
    with app.app_context():
        from app.accounts.models import Invitation
        invitation = db.session.scalar(select(Invitation).where(
            Invitation.email == "lea@exemple.fr"))
        assert (invitation.role, invitation.full_name) == ("newcomer", "Léa Fontaine")
        org = db.session.get(Organisation, world.org)
        lea = factories.make_user(org, "newcomer", email="lea@exemple.fr")
        key = lea.get_id()
    client.post("/compte/deconnexion")
    from tests.conftest import Auth
    Auth(client).as_session(key)
    assert client.get(f"/contrats/{world.ref}").status_code == 404  # not linked yet
    assert "Léa Fontaine" in client.get("/contrats").get_data(as_text=True)  # linked now
    assert client.get(f"/contrats/{world.ref}").status_code == 200
    assert contract_of(app, world.ref).newcomer_id is not None


def test_the_calendar_shows_held_meetings_when_held_and_cancels_those_never_held(app, client,
                                                                                login, world):
    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        contract.meetings[0].planned_at = time(9, 0)
        db.session.commit()
    login("tutor")
    held = TODAY - timedelta(days=7)  # planned ten days ago, held three days later
    client.post(f"/contrats/{world.ref}/rencontres/1", data=record_form(held_on=held.isoformat()))

    def events():
        raw = client.get(f"/contrats/{world.ref}/rencontres.ics").get_data()
        return {int(str(e["UID"]).split("@")[0].rsplit("-", 1)[1]): e
                for e in icalendar.Calendar.from_ical(raw).walk("VEVENT")}

    first = events()[1]
    assert first.decoded("DTSTART") == held  # an all-day event on the day it was held
    assert int(first["SEQUENCE"]) >= 1 and str(first["STATUS"]) == "CONFIRMED"
    assert [str(e["STATUS"]) for e in events().values()] == ["CONFIRMED"] * 3
    sequences = {n: int(e["SEQUENCE"]) for n, e in events().items()}
    client.post(f"/contrats/{world.ref}/cloture", data={
        "outcome": "depart-anticipe", "closed_on": TODAY.isoformat(), "reason": "Déménagement."})
    after = events()
    assert str(after[1]["STATUS"]) == "CONFIRMED" and after[1].decoded("DTSTART") == held
    for number in (2, 3):  # never held, never will be: cancelled, a newer version
        assert str(after[number]["STATUS"]) == "CANCELLED"
        assert int(after[number]["SEQUENCE"]) > sequences[number]


def test_the_meetings_of_a_closed_contract_after_its_end_are_not_due(app, world):
    long_ago = TODAY - timedelta(days=400)
    with app.app_context():
        ehpad = db.session.get(Organisation, world.org)
        db.session.get(Contract, world.contract).status = "draft"  # not counted
        left = onboarding.make_contract(ehpad, start=long_ago, status="interrupted",
                                        outcome="depart-anticipe",
                                        closed_on=long_ago + timedelta(days=10))
        left.meetings[0].held_on = left.meetings[0].scheduled_on
        db.session.commit()
        from app.onboarding.queries import statistics

        overall = statistics(TODAY)[0]
    # The two planned after its end were cancelled, not missed.
    assert (overall.meetings_due, overall.meetings_on_time) == (1, 1)


def test_lists_put_overdue_contracts_first_then_the_next_meeting_soonest(app, client, login,
                                                                        world):
    app.config["PAGE_SIZE"] = 4
    with app.app_context():
        org = db.session.get(Organisation, world.org)
        tutor = db.session.get(User, world.ids["tutor"])

        def make(name, **kwargs):
            return onboarding.make_contract(org, tutor=tutor, newcomer_name=name, **kwargs)

        make("Zoé Tard", start=TODAY + timedelta(days=90))
        make("Yanis Bientôt", start=TODAY + timedelta(days=5))
        make("Xavier Brouillon", status="draft")
        make("Willy Fini", status="completed", outcome="en-poste", closed_on=TODAY)
        soon = make("Victor Suivi", start=TODAY - timedelta(days=20))
        soon.meetings[0].held_on = soon.meetings[0].planned_on  # next: in ten days or so
        make("Ursule Retard", start=TODAY - timedelta(days=40))  # its first meeting: 40 days
        db.session.commit()
    expected = ["Ursule Retard", "Léa Fontaine", "Yanis Bientôt", "Victor Suivi",
                "Zoé Tard", "Xavier Brouillon", "Willy Fini"]

    def names(url):
        found = []
        for page in (1, 2):
            text = client.get(f"{url}?page={page}").get_data(as_text=True)
            found += re.findall(r'<th scope="row"><a href="/contrats/[\w-]+">([^<]+)</a>', text)
        return found

    login("tutor")
    assert names("/contrats") == expected
    login("employer")
    assert names(f"/contrats/organisations/{world.org}") == expected


def _unlink_newcomer(app, world):
    with app.app_context():
        db.session.get(Contract, world.contract).newcomer_id = None
        db.session.commit()


def _plain(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def test_a_refused_invitation_address_is_shown_next_to_its_field_and_kept(app, client, login,
                                                                         world):
    _unlink_newcomer(app, world)
    login("employer")
    response = client.post(f"/contrats/{world.ref}/inviter", data={"email": "lea@@exemple"})
    page = _plain(response)
    assert response.status_code == 422
    assert 'id="email-erreur"' in page and "Saisissez une adresse e-mail valide" in page
    assert 'value="lea@@exemple"' in page
    assert '<details class="invite-newcomer" open>' in page
    # A member of the organisation with another role is not a newcomer.
    tutor_email = "karim@exemple.fr"
    with app.app_context():
        db.session.get(User, world.ids["tutor"]).email = tutor_email
        db.session.commit()
    response = client.post(f"/contrats/{world.ref}/inviter", data={"email": tutor_email})
    assert response.status_code == 422 and "n’a pas le rôle « nouveau·elle salarié·e »" in (
        _plain(response))
    assert contract_of(app, world.ref).newcomer_email is None


def test_the_invitation_message_tells_the_truth_whoever_the_address_belongs_to(app, client,
                                                                              login, world):
    from tests.conftest import Auth

    _unlink_newcomer(app, world)
    with app.app_context():  # an account in another organisation, with that address
        other = db.session.get(Organisation, world.other)
        elsewhere = factories.make_user(other, "tutor", email="lea.ailleurs@exemple.fr")
        key = elsewhere.get_id()
    login("employer")
    for email in ("lea.nouvelle@exemple.fr", "lea.ailleurs@exemple.fr"):
        page = _plain(client.post(f"/contrats/{world.ref}/inviter", data={"email": email},
                                  follow_redirects=True))
        assert f"Invitation envoyée à {email}" in page
        assert "dès qu’elle aura accepté l’invitation à rejoindre EHPAD Les Tilleuls" in page
        assert "Une fois son compte créé" not in page
        assert contract_of(app, world.ref).newcomer_email == email
    # Once they accept (here: they join as a newcomer), their own account gets it.
    Auth(client).as_session(key)
    assert "Léa Fontaine" not in client.get("/contrats").get_data(as_text=True)
    with app.app_context():
        from app.accounts.models import Membership

        db.session.add(Membership(user_id=elsewhere.id, organisation_id=world.org,
                                  role="newcomer"))
        db.session.commit()
    assert "Léa Fontaine" in client.get("/contrats").get_data(as_text=True)
    assert client.get(f"/contrats/{world.ref}").status_code == 200


def test_inviting_a_newcomer_of_the_organisation_links_the_contract_at_once(app, client, login,
                                                                           world):
    _unlink_newcomer(app, world)
    login("employer")
    page = _plain(client.post(f"/contrats/{world.ref}/inviter",
                              data={"email": "Lea.Fontaine@exemple.fr"}, follow_redirects=True))
    assert "le contrat lui est relié" in page and "Invitation envoyée" not in page
    assert contract_of(app, world.ref).newcomer_id == world.ids["newcomer"]
    login("newcomer")
    assert client.get(f"/contrats/{world.ref}").status_code == 200


def test_the_contract_tables_hold_on_a_phone(app, client, login, world):
    """The browser journey measures it at 375 px; here, what it relies on."""
    from pathlib import Path

    login("tutor")
    page = client.get("/contrats").get_data(as_text=True)
    for label in ("Poste", "État", "Tuteur·rice", "Prochaine rencontre"):
        assert f'<td data-label="{label}">' in page, label
    css = (Path(app.static_folder) / "css" / "compagnon.css").read_text(encoding="utf-8")
    onboarding_css = css[css.index("/* Onboarding */"):]
    badge = re.search(r"\.contract-status \{[^}]*\}", onboarding_css).group(0)
    assert "white-space: nowrap" in badge
    assert re.search(r"\.contracts-table td[^{]*\{ overflow-wrap: break-word; \}", onboarding_css)
    assert 'content: attr(data-label)' in onboarding_css


def test_the_figures_hide_small_counts_and_label_their_data_tables(app, client, login, world):
    login("admin")
    page = client.get("/contrats/statistiques").get_data(as_text=True).replace("\u00a0", " ")
    assert "Secret statistique" in page and "moins de 3" in page
    assert "<th scope=\"col\">Réponse</th>" not in page  # each table says what it counts
    for header in ("Contrats ouverts", "Part des rencontres tenues à temps",
                   "Part en poste à six mois", "Issue"):
        assert f'<th scope="col">{header}</th>' in page, header
    # One open contract, one sector: « moins de 3 », no bar for it.
    chart = re.search(r'<figure class="chart">.*?</figure>', page, re.S).group(0)
    assert "moins de 3" in chart and "<rect" not in chart


def test_personal_data_holds_the_persons_own_messages_and_no_one_elses(app, client, login,
                                                                        world):
    from app.discussions.models import Thread
    from tests import factories

    with app.app_context():
        from sqlalchemy import select

        private = db.session.scalar(select(Thread).where(
            Thread.private_key == f"contract:{world.contract}"))
        factories.make_reply(db.session.get(User, world.ids["tutor"]), private,
                             "Mon message dans le fil privé")
        factories.make_reply(db.session.get(User, world.ids["referent"]), private,
                             "Le message de la référente")
        factories.make_thread(db.session.get(User, world.ids["tutor"]),
                              title="Ma question publique", body="Une question")
    login("tutor")
    data = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    messages = data["discussions"]["messages"]
    assert [(m["texte"], m["fil_prive"]) for m in messages] == [
        ("Mon message dans le fil privé", True), ("Une question", False)]
    assert "Ma question publique" in data["discussions"]["discussions_suivies"]
    assert data["discussions"]["notifications_par_e_mail"] == "daily"
    assert "Le message de la référente" not in json.dumps(data, ensure_ascii=False)
