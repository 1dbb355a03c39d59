"""Two demo users exchange in a thread with htmx: one asks, the other answers with a mention,
the first sees the badge, reads the notification and marks the useful answer; axe-core
on the list, the thread and the notification pages; the same reply without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_journeys import assert_accessible, log_in

pytestmark = pytest.mark.browser

ASKER = "tutrice.loire@demo.compagnon.fr"  # Julie Perrin
HELPER = "tuteur.tilleuls@demo.compagnon.fr"  # Karim Diallo
TITLE = "Vos astuces pour le tout premier lundi ?"


def test_two_tutors_exchange_and_the_asker_marks_the_useful_answer(new_page):
    julie = new_page()
    log_in(julie, ASKER)
    julie.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Discussions").click()
    expect(julie.get_by_role("heading", level=1)).to_have_text("Discussions")
    assert_accessible(julie)
    julie.get_by_role("link", name="Nouvelle discussion").first.click()
    julie.wait_for_load_state("load")  # htmx wires the live preview once the page has loaded
    julie.get_by_label("Catégorie").select_option(label="Questions de tuteurs")
    julie.get_by_label("Titre de la discussion").fill(TITLE)
    julie.get_by_label("Votre message").fill("Qu’est-ce qui aide le plus, le premier matin ?")
    expect(julie.locator("#apercu")).to_contain_text("le premier matin", timeout=5_000)
    julie.get_by_role("button", name="Publier la discussion").click()
    expect(julie.get_by_role("heading", level=1)).to_contain_text("Vos astuces pour le tout")
    thread_url = julie.url
    assert_accessible(julie)
    badge = julie.locator("#notification_badge .badge--count")
    unread = int(badge.inner_text().split()[0]) if badge.count() else 0

    karim = new_page()
    log_in(karim, HELPER)
    karim.goto("/discussions")
    row = karim.locator(".thread-row", has_text="Vos astuces pour le tout premier lundi")
    expect(row.locator(".badge--new")).to_have_text("Nouvelle")
    row.get_by_role("link", name=re.compile("Vos astuces")).click()
    expect(karim.get_by_role("heading", level=1)).to_contain_text("Vos astuces")
    karim.wait_for_load_state("load")  # and the mention suggestions
    karim.evaluate("window.__stayed = true")
    box = karim.get_by_label("Votre réponse")
    box.fill("Un café avec l’équipe, et le planning de la semaine imprimé. @Jul")
    suggestion = karim.locator("#mentions-reponse [data-mention='Julie Perrin']")
    expect(suggestion).to_be_visible()
    box.press("ArrowDown")
    expect(suggestion).to_be_focused()
    karim.keyboard.press("Enter")
    expect(box).to_have_value(re.compile(r"@Julie Perrin $"))
    box.press("End")
    box.type("qu’en penses-tu ?")
    karim.get_by_role("button", name="Publier la réponse").click()
    new_post = karim.locator("#message-2")
    expect(new_post).to_contain_text("Un café avec l’équipe")
    expect(new_post).to_be_focused()
    expect(box).to_have_value("")
    expect(karim.locator("#flashes")).to_contain_text("Votre réponse est publiée.")
    assert karim.evaluate("window.__stayed") is True  # no reload: htmx did it
    assert_accessible(karim)

    # Julie's badge refreshes without reloading her page.
    julie.evaluate("window.__stayed = true")
    julie.evaluate("htmx.trigger(document.body, 'notifications-changed')")
    expect(badge).to_have_text(f"{unread + 1} non lue{'s' if unread else ''}")
    assert julie.evaluate("window.__stayed") is True
    julie.locator("#notification_badge").click()
    expect(julie.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert_accessible(julie)
    julie.get_by_role("link", name=re.compile("Karim Diallo vous a mentionné")).click()
    expect(julie).to_have_url(re.compile(re.escape(thread_url) + r"\?message=2#message-2$"))
    if unread:  # the notification read, the others still waiting
        expect(badge).to_have_text(f"{unread} non lue{'s' if unread > 1 else ''}")
    else:
        expect(badge).to_have_count(0)
    julie.locator("#message-2").get_by_role("button", name="C’est la réponse utile").click()
    expect(julie.locator(".solution-box")).to_contain_text("Un café avec l’équipe")
    expect(julie.locator(".tag--solved")).to_be_visible()
    assert_accessible(julie)


def test_a_reply_without_javascript_and_the_thread_on_a_phone(new_page):
    page = new_page(java_script_enabled=False)
    log_in(page, HELPER)
    page.goto("/discussions?filtre=sans-reponse")
    page.get_by_role("link", name=re.compile("Premier week-end seul")).click()
    page.get_by_label("Votre réponse").fill("Sans JavaScript aussi : un binôme joignable.")
    page.get_by_role("button", name="Prévisualiser sans publier").click()
    expect(page.locator("#apercu-reponse")).to_contain_text("un binôme joignable")
    expect(page.get_by_label("Votre réponse")).to_have_value(
        "Sans JavaScript aussi : un binôme joignable.")
    page.get_by_role("button", name="Publier la réponse").click()
    expect(page).to_have_url(re.compile(r"\?message=\d+#message-\d+$"))
    expect(page.locator("article.post").last).to_contain_text("un binôme joignable")

    phone = new_page(viewport=PHONE)
    log_in(phone, ASKER)
    phone.goto("/discussions")
    assert_accessible(phone)
    phone.get_by_role("link", name=re.compile("Comment dire qu’un geste")).click()
    assert_accessible(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the thread is {width}px wide on a {PHONE['width']}px phone"
