"""French wording: « de » elided, first names and initials, times."""

from datetime import time

from app.onboarding.wording import de, hour, short_name
from tests.onboarding import factories as onboarding
from tests.onboarding.conftest import contract_of


def test_de_elides_before_a_vowel_or_a_mute_h():
    assert de("EHPAD Les Tilleuls") == "d’EHPAD Les Tilleuls"
    assert de("Aide à domicile Loire Services") == "d’Aide à domicile Loire Services"
    assert de("Inès Moreau") == "d’Inès Moreau" and de("Hélène Roy") == "d’Hélène Roy"
    assert de("Yves Martin") == "d’Yves Martin" and de("Yasmine Haddad") == "de Yasmine Haddad"
    assert de("SAAD Les Glycines") == "de SAAD Les Glycines"
    assert de("Œuvre des Amis") == "d’Œuvre des Amis"


def test_short_names_and_times():
    assert short_name("Léa Fontaine") == "Léa F." and short_name("Jean Paul Dupont") == (
        "Jean Paul D.")
    assert short_name("Awa") == "Awa" and short_name("  ") == "la personne accueillie"
    assert hour(time(9, 0)) == "9 h" and hour(time(14, 30)) == "14 h 30"
    assert hour(time(8, 5)) == "8 h 05" and hour(None) == ""


def test_the_pages_elide_de_before_a_vowel(app, client, login, world):
    from app.accounts.models import Organisation
    from app.extensions import db

    with app.app_context():
        org = db.session.get(Organisation, world.org)
        ref = onboarding.make_contract(org, newcomer_name="Inès Moreau").ref
    login("employer")

    def text(url):
        return client.get(url).get_data(as_text=True)

    page = text(f"/contrats/organisations/{world.org}")
    assert "Contrats d’accueil d’EHPAD Les Tilleuls" in page and "de EHPAD" not in page
    assert "Clôturer l’accompagnement d’Inès Moreau" in text(f"/contrats/{ref}/cloture")
    assert "Modifier le contrat d’Inès Moreau" in text(f"/contrats/{ref}/etapes/livret")
    assert "Accompagnement d’Inès Moreau" in text(f"/contrats/{ref}/rencontres/1")
    assert "du contrat d’Inès Moreau" in text(f"/contrats/{ref}/journal")
    assert "les employeur·es d’EHPAD Les Tilleuls" in text(f"/contrats/{ref}")
    assert "Les contrats d’EHPAD Les Tilleuls" in text("/contrats")
    assert contract_of(app, ref).newcomer_name == "Inès Moreau"


def test_times_read_the_french_way_and_a_start_to_come_says_so(app, client, login, world):
    from datetime import timedelta

    from app.accounts.models import Organisation, utcnow
    from app.extensions import db
    from app.onboarding.models import Contract

    today = utcnow().date()
    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        contract.meetings[1].planned_at = time(9, 0)
        contract.meetings[2].planned_at = time(14, 30)
        org = db.session.get(Organisation, world.org)
        onboarding.make_contract(org, newcomer_name="Zoé Bientôt",
                                 start=today + timedelta(days=30))
        db.session.commit()
    login("tutor")
    page = client.get(f"/contrats/{world.ref}").get_data(as_text=True)
    assert "à 9 h<" in page and "à 14 h 30" in page and "09 h 00" not in page
    login("employer")
    listing = client.get(f"/contrats/organisations/{world.org}").get_data(as_text=True)
    start = (today + timedelta(days=30)).strftime("%d/%m/%Y")
    assert f"à partir du {start}" in listing
    assert f"depuis le {(today - timedelta(days=10)).strftime('%d/%m/%Y')}" in listing
