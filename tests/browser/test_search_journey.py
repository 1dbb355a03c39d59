"""Searching from the header, then live with htmx, with axe-core on the results."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_search_from_the_header_then_live(page):
    log_in(page, "tuteur.tilleuls@demo.compagnon.fr")
    page.get_by_label("Rechercher", exact=True).fill("livret d'acceuil")
    page.get_by_role("search").first.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/recherche\?q="))
    expect(page.get_by_role("link", name="Le livret d’accueil en EHPAD")).to_be_visible()
    expect(page.locator("#search_results mark").first).to_be_visible()
    assert_accessible(page)

    # Live results while typing: the URL follows, the page does not reload.
    page.evaluate("window.__stayed = true")
    field = page.get_by_label("Rechercher dans les fiches pratiques, les outils, les "
                              "formations et les discussions")
    field.fill("parrainage")
    expect(page).to_have_url(re.compile(r"q=parrainage"))
    expect(page.locator("#search-count")).to_contain_text("pour « parrainage »")
    assert page.evaluate("window.__stayed") is True
    assert_accessible(page)


def test_search_works_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    log_in(page, "tutrice.loire@demo.compagnon.fr")
    page.goto("/recherche?q=TMS")
    expect(page.get_by_role("link", name=re.compile("TMS"))).to_be_visible()
    page.get_by_label("Type").select_option("practice")
    page.get_by_role("main").get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"type=practice"))
