"""A tutor follows a module to completion with htmx and opens the attestation."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import assert_accessible, log_in

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
