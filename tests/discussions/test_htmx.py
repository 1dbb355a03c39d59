"""Every htmx endpoint of discussions, asked both ways: without the HX-Request header
(the whole page, or a redirect after a POST) and with it (the fragment alone)."""

import pytest

from app.discussions.models import Thread
from app.extensions import db
from tests.discussions.conftest import HX, answer, ask


def _fragment(response) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, response.status_code
    assert "<html" not in body and "<!doctype" not in body.lower()
    assert "HX-Request" in response.headers.get("Vary", "")
    return body


def _page(response) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, response.status_code
    assert body.lstrip().lower().startswith("<!doctype html>")
    return body


@pytest.fixture
def thread(app, world):
    thread_id = ask(app, world, role="tutor", title="Une question ouverte")
    post_id = answer(app, world, thread_id, role="peer", body="Une réponse")
    return thread_id, post_id


@pytest.mark.parametrize("url, marker", [
    ("/discussions?filtre=resolues", 'id="threads"'),
    ("/discussions/categories/formation?filtre=sans-reponse", 'id="threads"'),
    ("/discussions/mentions?q=Julie", "Julie Perrin"),
    ("/outils?source=discussions", 'id="tools_list"'),
])
def test_lists_and_suggestions(app, client, login, world, thread, url, marker):
    login("employer")
    assert marker in _page(client.get(url))
    assert marker in _fragment(client.get(url, headers=HX))


def test_thread_pages_and_a_single_post(app, client, login, world, thread):
    thread_id, post_id = thread
    login("employer")
    assert "Une réponse" in _page(client.get(f"/discussions/{thread_id}"))
    fragment = _fragment(client.get(f"/discussions/{thread_id}?page=1", headers=HX))
    assert 'id="message-2"' in fragment and "Une question ouverte</h1>" not in fragment
    single = _fragment(client.get(f"/discussions/messages/{post_id}", headers=HX))
    assert single.lstrip().startswith("<article") and 'id="message-2"' in single
    redirect = client.get(f"/discussions/messages/{post_id}")
    assert redirect.status_code == 303
    assert redirect.headers["Location"].endswith(f"/discussions/{thread_id}?message=2#message-2")


def test_reply_box_and_edit_form(app, client, login, world, thread):
    thread_id, post_id = thread
    login("peer")
    page = _page(client.get(f"/discussions/{thread_id}/repondre"))
    assert "<h1>Répondre à" in page and "Une question ouverte" in page
    assert 'id="reply_form"' in _fragment(client.get(f"/discussions/{thread_id}/repondre",
                                                     headers=HX))
    assert "Modifier votre message</h1>" in _page(
        client.get(f"/discussions/messages/{post_id}/modifier"))
    form = _fragment(client.get(f"/discussions/messages/{post_id}/modifier", headers=HX))
    assert form.lstrip().startswith("<form") and 'id="message-2"' in form
    response = client.post(f"/discussions/messages/{post_id}/modifier",
                           data={f"m{post_id}-body": "Corrigée"})
    assert response.status_code == 303


@pytest.mark.parametrize("action", ["merci", "suivre", "surveiller"])
def test_small_toggles(app, client, login, world, thread, action):
    thread_id, post_id = thread
    login("employer")
    url = {"merci": f"/discussions/messages/{post_id}/merci",
           "suivre": f"/discussions/{thread_id}/suivre",
           "surveiller": "/discussions/categories/questions-de-tuteurs/surveiller"}[action]
    response = client.post(url)
    assert response.status_code == 303
    fragment = _fragment(client.post(url, data={"action": "retirer" if action == "merci"
                                                else "arreter"}, headers=HX))
    if action != "merci":  # the decision is announced in the page's live region
        assert 'id="flashes" hx-swap-oob="innerHTML"' in fragment


def test_the_badge(app, client, login, world, thread):
    login("tutor")
    response = client.get("/notifications/badge")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/notifications")
    assert 'id="notification_badge"' in _fragment(client.get("/notifications/badge",
                                                             headers=HX))


def test_preview(app, client, login, world):
    login("tutor")
    fragment = client.post("/discussions/apercu", data={"body": "# Titre\n\n*mot*"},
                           headers=HX).get_data(as_text=True)
    assert "<h2>Titre</h2>" in fragment and "<em>mot</em>" in fragment
    assert "<html" not in fragment


def test_a_boosted_or_history_request_gets_the_whole_page(app, client, login, world, thread):
    thread_id, _ = thread
    login("employer")
    for headers in ({**HX, "HX-Boosted": "true"}, {**HX, "HX-History-Restore-Request": "true"}):
        assert "<html" in client.get(f"/discussions/{thread_id}", headers=headers).get_data(
            as_text=True)
    with app.app_context():
        assert db.session.get(Thread, thread_id) is not None
