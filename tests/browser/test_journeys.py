"""The main journeys, as a person sees them in Chromium, with axe-core on every page visited."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

PASSWORD = "demo-compagnon-2026"
TUTOR = "tuteur.tilleuls@demo.compagnon.fr"
EMPLOYER = "rh.tilleuls@demo.compagnon.fr"
LOGIN = "/compte/connexion"
MEMBER = "Thomas Girard"

axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation on the page as it is now."""
    results = axe.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill and send the login form as a person would."""
    page.goto(LOGIN)
    page.get_by_label("Adresse e-mail", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def open_tilleuls(page: Page) -> None:
    """From the home page, reach the organisation page through the navigation."""
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes organisations"
    ).click()
    page.get_by_role("main").get_by_role("link", name="EHPAD Les Tilleuls").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EHPAD Les Tilleuls")


def role_select(page: Page):
    """The inline role menu of the member the tests change."""
    return page.get_by_label(f"Rôle de {MEMBER}")


def change_member_role(page: Page) -> str:
    """Give the member a role they do not have yet (so test order does not matter)."""
    role = "tutor" if role_select(page).input_value() == "referent" else "referent"
    role_select(page).select_option(role)
    page.get_by_role("button", name=f"Changer le rôle de {MEMBER}").click()
    label = {"tutor": "Tuteur·rice", "referent": "Référent·e"}[role]
    expect(page.locator("#flashes")).to_contain_text(f"{MEMBER} est maintenant {label}.")
    expect(role_select(page)).to_have_value(role)
    return role


def console_errors(page: Page) -> list[str]:
    """A list that fills with the page's console errors as they happen."""
    errors: list[str] = []

    def collect(message):
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    return errors


def csp_errors(errors: list[str]) -> list[str]:
    """The console errors that report a blocked resource or script."""
    return [error for error in errors if "Content Security Policy" in error]


def tutor_journey(page: Page) -> None:
    """Log in as the demo tutor, see the home page, log out."""
    log_in(page, TUTOR)
    expect(page).to_have_title(re.compile(r"^Accueil"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Karim Diallo")
    assert_accessible(page)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(re.escape(LOGIN) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.locator("#flashes")).to_contain_text("Vous êtes déconnecté·e.")


def test_tutor_logs_in_and_out(page):
    page.goto(LOGIN)
    assert_accessible(page)
    tutor_journey(page)


def test_bad_login_shows_a_french_error(page):
    log_in(page, TUTOR, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page).to_have_url(re.compile(re.escape(LOGIN) + "$"))
    assert_accessible(page)


def test_employer_invites_and_changes_a_role(page):
    errors = console_errors(page)
    log_in(page, EMPLOYER)
    open_tilleuls(page)
    assert_accessible(page)
    invite = page.get_by_role("region", name="Inviter une personne")

    invite.get_by_label("Prénom et nom (facultatif)").fill("Inès Robert")
    invite.get_by_label("Adresse e-mail de la personne").fill("ines.robert@demo.compagnon.fr")
    invite.get_by_label("Rôle", exact=True).select_option(label="Tuteur·rice")
    invite.get_by_role("button", name="Envoyer l’invitation").click()
    expect(page.locator("#flashes")).to_contain_text(
        "Invitation envoyée à ines.robert@demo.compagnon.fr"
    )
    expect(page.get_by_role("region", name="Invitations en attente")).to_contain_text("Inès Robert")

    invite = page.get_by_role("region", name="Inviter une personne")
    email = invite.get_by_label("Adresse e-mail de la personne")
    email.fill("pas-une-adresse")
    invite.get_by_role("button", name="Envoyer l’invitation").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Saisissez une adresse e-mail valide"))
    assert_accessible(page)

    url = page.url
    page.evaluate("window.sameDocument = true")  # lost if the page navigates
    change_member_role(page)
    assert page.url == url
    assert page.evaluate("window.sameDocument") is True, "the role change reloaded the page"
    assert_accessible(page)
    assert not csp_errors(errors), errors


def test_role_change_works_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    log_in(page, EMPLOYER)
    open_tilleuls(page)
    change_member_role(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("EHPAD Les Tilleuls")


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page fits the viewport's width."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{page.url} scrolls sideways: {scroll}px > {client}px"


def test_phone_viewport(new_page):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(LOGIN)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    log_in(page, EMPLOYER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Sophie Lambert")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_content_security_policy_raises_no_console_errors(page):
    errors = console_errors(page)
    response = page.goto(LOGIN)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tutor_journey(page)
    assert not csp_errors(errors), errors
