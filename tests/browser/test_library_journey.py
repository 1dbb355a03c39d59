"""From the inventory to the library: an employer answers, a trainer publishes, a tutor finds."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import assert_accessible, log_in

pytestmark = pytest.mark.browser

PRACTICE = "Le tuteur de garde du week-end"


def answer_inventory(page: Page) -> None:
    """Aide à domicile Loire Services finishes its draft answer and sends it."""
    log_in(page, "rh.loire@demo.compagnon.fr")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Recensement").click()
    page.get_by_role("link", name="Reprendre ma réponse").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recensement des pratiques")
    assert_accessible(page)
    # Autosave: typing is enough, a reload brings it back.
    page.get_by_label("Combien de personnes avez-vous recrutées").fill("25")
    expect(page.locator("#autosave")).to_contain_text("Brouillon enregistré automatiquement",
                                                      timeout=8000)
    page.reload()
    expect(page.get_by_label("Combien de personnes avez-vous recrutées")).to_have_value("25")

    page.get_by_label("Environ trois mois").check()
    page.get_by_label("Livret d’accueil").check()
    page.get_by_label("Oui, mais sans formation au tutorat").check()
    page.get_by_role("group", name="Quelles difficultés").get_by_role("checkbox").first.check()
    page.get_by_role("group", name="De quoi auriez-vous besoin").get_by_role(
        "checkbox").first.check()
    page.get_by_role("button", name="Décrire une pratique").click()
    page.get_by_label("Titre de la pratique").fill(PRACTICE)
    page.get_by_label("Description").fill("Un·e tuteur·rice joignable le samedi et le "
                                          "dimanche pour les nouvelles intervenantes.")
    page.get_by_label("Étape de l’accueil").select_option("premiere-semaine")
    page.get_by_label("Catégorie").select_option("organisation")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("#flashes")).to_contain_text("Votre réponse est envoyée")


def publish_from_inventory(page: Page) -> None:
    """The trainer turns the described practice into a sheet and publishes it."""
    log_in(page, "formatrice@demo.compagnon.fr")
    page.goto("/recensement")
    page.get_by_role("link", name="Réponses").first.click()
    page.get_by_role("link", name="Aide à domicile Loire Services").click()
    assert_accessible(page)
    page.get_by_role("button", name="Créer une fiche brouillon").click()
    expect(page.get_by_label("Titre")).to_have_value(PRACTICE)
    assert_accessible(page)
    page.get_by_label("Résumé").fill("Le week-end, une personne référente répond aux "
                                     "questions des nouvelles intervenantes.")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_role("button", name="Publier la version 1").click()
    expect(page.locator("#flashes")).to_contain_text("Fiche publiée")


def find_in_library(page: Page) -> None:
    """A tutor filters the library by category (htmx) and opens the new sheet."""
    log_in(page, "tutrice.loire@demo.compagnon.fr")
    page.goto("/pratiques")
    assert_accessible(page)
    page.get_by_label("Organisation du tutorat").check()
    expect(page).to_have_url(re.compile(r"categorie=organisation"))
    page.get_by_role("link", name=PRACTICE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PRACTICE)
    assert_accessible(page)


def test_inventory_to_library(new_page):
    answer_inventory(new_page())
    publish_from_inventory(new_page())
    find_in_library(new_page())
