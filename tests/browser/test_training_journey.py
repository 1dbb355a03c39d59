"""A tutor follows a module to completion with htmx and opens the attestation."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_journeys import assert_accessible, assert_no_horizontal_scroll, log_in

pytestmark = pytest.mark.browser


def test_tutor_completes_a_module_and_opens_the_attestation(page):
    log_in(page, "tutrice.loire@demo.compagnon.fr")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Formations").click()
    assert_accessible(page)
    page.get_by_role("link", name="Prise en main de Compagnon").click()
    assert_accessible(page)
    page.get_by_role("button", name="Commencer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leçon 1")
    assert_accessible(page)

    lesson_url = page.url
    page.get_by_label("Personne").check()
    page.get_by_role("button", name="Vérifier ma réponse").click()
    expect(page.locator(".question__feedback")).to_contain_text("Pas tout à fait.")
    # The button pressed is gone with the swap: the feedback takes the focus, and is read.
    expect(page.locator(".question__feedback p")).to_be_focused()
    page.get_by_label("Toute l’équipe").check()
    page.get_by_role("button", name="Vérifier ma réponse").click()
    expect(page.locator(".question__feedback")).to_contain_text("Bonne réponse.")
    page.get_by_role("button", name="J’ai terminé cette leçon").click()
    expect(page.locator("#lesson_progress")).to_contain_text("Leçon terminée")
    assert page.url == lesson_url  # updated in place by htmx
    assert_accessible(page)

    page.get_by_role("link", name="Leçon 2 →").click()
    page.get_by_role("button", name="J’ai terminé cette leçon").click()
    expect(page.locator("#flashes")).to_contain_text("vous avez terminé ce module")
    page.get_by_role("link", name="Module terminé : voir mon attestation").click()
    page.get_by_role("link", name="Voir mon attestation").click()
    expect(page).to_have_url(re.compile(r"/attestations/[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestation de suivi")
    expect(page.locator(".attestation__name")).to_have_text("Julie Perrin")
    assert_accessible(page)

    # Anyone with the link can check it, without an account.
    public = page.context.browser.new_page(base_url=page.url.split("/attestations")[0])
    public.goto(page.url)
    expect(public.locator(".attestation__title")).to_contain_text("Prise en main de Compagnon")
    public.close()


def test_a_long_pasted_address_in_a_lesson_fits_a_phone(new_page):
    """A trainer pastes an address and a long word of code into a lesson, on a phone: the
    address becomes a link, and neither the editor with its preview nor the lesson is wider
    than the screen."""
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, "formatrice@demo.compagnon.fr")
    page.goto("/formations/evaluer-et-conduire-les-rencontres-tripartites/modifier")
    page.locator("#lecons").get_by_role("link").first.click()
    expect(page.get_by_label("Texte de la leçon")).to_be_visible()
    page.wait_for_load_state("load")  # htmx wires the live preview once the page has loaded
    address = ("https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006902752/"
               "un-article-au-nom-tres-long-sans-aucune-espace")
    page.get_by_label("Texte de la leçon").fill(
        f"Le texte : {address}.\n\n"
        "Le champ `numero_de_securite_sociale_de_la_personne_accueillie`.")
    expect(page.locator("#apercu a")).to_have_attribute("href", address)  # the live preview
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Enregistrer la leçon").click()
    expect(page.locator("#flashes")).to_contain_text("Leçon enregistrée")
    page.get_by_role("link", name="Voir la leçon").click()
    expect(page.locator(".prose a", has_text="legifrance")).to_have_attribute("href", address)
    assert_no_horizontal_scroll(page)
