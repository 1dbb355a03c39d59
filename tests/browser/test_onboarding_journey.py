"""The onboarding contract, as people live it: the employer opens it in the wizard, the tutor
records the first meeting, the referent acknowledges it. Keyboard only, axe-core on every
page, a phone's width, and the wizard without JavaScript."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_journeys import (
    assert_accessible,
    assert_no_horizontal_scroll,
    console_errors,
    csp_errors,
    log_in,
)

pytestmark = pytest.mark.browser

EMPLOYER = "rh.tilleuls@demo.compagnon.fr"
TUTOR = "tuteur.tilleuls@demo.compagnon.fr"
REFERENT = "referente@demo.compagnon.fr"
NEWCOMER = "Nina Dupont"


def type_into(page: Page, label: str, text: str, exact: bool = False) -> None:
    """Reach a field and type into it with the keyboard."""
    field = page.get_by_label(label, exact=exact)
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def press(page: Page, name: str) -> None:
    """Focus a button and press Enter, as a keyboard user does."""
    page.get_by_role("button", name=name, exact=True).focus()
    page.keyboard.press("Enter")


def step_heading(page: Page, text: str):
    return expect(page.get_by_role("heading", level=2, name=re.compile(text)))


def reach_step(page: Page, number: int, javascript: bool) -> None:
    """The wizard shows step `number`. With htmx, wait until the swap has settled: the focus
    is then on the step's heading, and htmx has wired the new fields (before that, a change
    to a field would go unnoticed: the step is on screen 20 ms before htmx processes it)."""
    step_heading(page, f"Étape {number} sur 8").to_be_visible()
    if javascript:
        expect(page.locator("h2#etape-titre")).to_be_focused()


def open_contract_in_the_wizard(page: Page, name: str, javascript: bool = True) -> str:
    """The employer opens a contract step by step; returns the contract page's URL."""
    today = date.today()
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Accompagnements").focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Ouvrir un contrat d’accueil").first.focus()
    page.keyboard.press("Enter")
    step_heading(page, "Étape 1 sur 8").to_be_visible()
    if javascript:
        assert_accessible(page)
    page.get_by_label("Modèle de livret").select_option(label="Aide-soignant·e en EHPAD")
    type_into(page, "Prénom et nom de la personne accueillie", name)
    page.get_by_label("Métier").select_option("aide-soignant")
    page.get_by_label("CDD", exact=True).focus()
    page.keyboard.press("Space")
    press(page, "Enregistrer et continuer")

    # The step swapped in by htmx: the focus is on its heading, not on the whole block.
    reach_step(page, 2, javascript)
    if javascript:
        page.get_by_label("Date de début du contrat").fill(today.isoformat())
        page.get_by_label("Date de fin du contrat").fill((today - timedelta(days=1)).isoformat())
        press(page, "Enregistrer et continuer")
        summary = page.locator("#wizard .alert--error[role=alert]")
        expect(summary).to_contain_text("La date de fin doit suivre la date de début.")
        expect(summary).to_be_focused()
    # A date input takes its digits in the locale's order: fill() sets the value itself.
    page.get_by_label("Date de début du contrat").fill(today.isoformat())
    page.get_by_label("Date de fin du contrat").fill((today + timedelta(days=365)).isoformat())
    press(page, "Enregistrer et continuer")

    reach_step(page, 3, javascript)
    region = page.locator("#tutor_warnings").element_handle()
    page.get_by_label("Tuteur ou tutrice").select_option(label="Karim Diallo")
    if javascript:
        # The warnings come at once with htmx: the demo tutor has not finished the path.
        expect(page.locator("#tutor_warnings")).to_contain_text("parcours de formation")
        # Into the same live region (one that is replaced is not read out).
        assert region.evaluate("element => element.isConnected")
    page.get_by_label("Référent·e du service d’accompagnement").select_option(
        label="Fatou Ndiaye")
    if javascript:
        assert_accessible(page)
    press(page, "Enregistrer et continuer")
    # Without JavaScript, they come with the next step (never a refusal).
    expect(page.locator("#flashes")).to_contain_text("parcours de formation")

    for number in (4, 5, 6):
        reach_step(page, number, javascript)
        if number == 6:
            expect(page.get_by_label("Savoir-faire 1")).not_to_have_value("")
        press(page, "Enregistrer et continuer")
    reach_step(page, 7, javascript)
    page.get_by_label("Mobilité").focus()
    page.keyboard.press("Space")
    press(page, "Enregistrer et continuer")
    reach_step(page, 8, javascript)
    expect(page.get_by_role("main")).to_contain_text("Rencontre à un mois")
    press(page, "Ouvrir le contrat et planifier les rencontres")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("#flashes")).to_contain_text("Le contrat est ouvert")
    return page.url


def test_employer_opens_tutor_records_referent_acknowledges(new_page):
    employer = new_page()
    errors = console_errors(employer)
    log_in(employer, EMPLOYER)
    url = open_contract_in_the_wizard(employer, NEWCOMER)
    assert_accessible(employer)
    assert not csp_errors(errors), errors

    tutor = new_page()
    log_in(tutor, TUTOR)
    tutor.goto("/contrats")
    tutor.get_by_role("link", name=NEWCOMER).focus()
    tutor.keyboard.press("Enter")
    tutor.get_by_role("link", name="Rencontre de démarrage").focus()
    tutor.keyboard.press("Enter")
    expect(tutor.get_by_role("heading", level=1)).to_have_text("Rencontre de démarrage")
    assert_accessible(tutor)
    expect(tutor.get_by_label("Date à laquelle la rencontre a eu lieu")).to_have_value(
        date.today().isoformat())
    first_skill = tutor.locator("fieldset.assessment").first
    first_skill.get_by_label("En cours").focus()
    tutor.keyboard.press("Space")
    first_skill.get_by_label(re.compile("^Commentaire")).focus()
    tutor.keyboard.type("Toilette au lavabo avec aide, gestes sûrs.")
    type_into(tutor, "Points acquis", "Les horaires, l’équipe, les résident·es du secteur.")
    type_into(tutor, "Décisions prises", "Doublure pendant deux semaines.")
    press(tutor, "Enregistrer le compte rendu")
    expect(tutor.locator("#flashes")).to_contain_text("Compte rendu enregistré")

    referent = new_page()
    log_in(referent, REFERENT)
    referent.goto(url)
    expect(referent.get_by_role("heading", level=1)).to_have_text(NEWCOMER)
    referent.get_by_role("link", name="Rencontre de démarrage").click()
    expect(referent.locator("fieldset.assessment").first.get_by_label(
        re.compile("^Commentaire"))).to_have_value("Toilette au lavabo avec aide, gestes sûrs.")
    referent.evaluate("window.sameDocument = true")
    press(referent, "J’ai pris connaissance du compte rendu : je signe")
    signatures = referent.locator("#meeting_signatures")
    expect(signatures).to_contain_text("Signé par Fatou Ndiaye")
    expect(referent.locator("#flashes")).to_contain_text("Signature enregistrée")
    assert referent.evaluate("window.sameDocument") is True, "the signature reloaded the page"
    assert_accessible(referent)


def test_the_contract_pages_fit_a_phone(new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, EMPLOYER)
    page.goto("/contrats")
    assert_no_horizontal_scroll(page)
    page.goto("/contrats/nouveau")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.goto("/contrats")
    page.get_by_role("link", name=re.compile("Voir tous les contrats")).first.click()
    # Each contract's lines fit the phone: badges on one line, words whole, the next
    # meeting on screen.
    layout = page.evaluate("""() => ({
        badges: Array.from(document.querySelectorAll('.contracts-table .contract-status'))
            .map(b => b.getClientRects().length === 1 && b.offsetHeight < 2 * b.offsetWidth),
        next: Array.from(document.querySelectorAll(
            '.contracts-table td[data-label="Prochaine rencontre"]'))
            .map(td => td.getBoundingClientRect().right <= window.innerWidth),
        wrap: Array.from(document.querySelectorAll('.contracts-table td'))
            .map(td => getComputedStyle(td).overflowWrap),
    })""")
    assert layout["badges"] and all(layout["badges"]), layout
    assert layout["next"] and all(layout["next"]), layout
    assert "anywhere" not in layout["wrap"], layout
    page.get_by_role("link", name="Lucas Bernard").click()
    assert_no_horizontal_scroll(page)
    # The objectives' « Échéance » and « État » are on screen, not in a hidden scroll.
    cells = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#objectifs td')).map(td => td.getBoundingClientRect().right <= window.innerWidth)""")
    assert cells and all(cells), cells
    assert_accessible(page)
    page.get_by_role("link", name="Rencontre à un mois").click()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_the_wizard_works_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    log_in(page, EMPLOYER)
    url = open_contract_in_the_wizard(page, "Noé Sans-Script", javascript=False)
    assert re.search(r"/contrats/[\w-]{16}$", url)
    expect(page.get_by_role("main")).to_contain_text("Rencontre de démarrage")
