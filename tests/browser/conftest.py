"""Browser fixtures: the demo community served on a free port, driven by the system Chromium."""

import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app.demo import DEMO_STEPS
from app.extensions import db
from tests import factories
from tests.conftest import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The base URL of the app with the demo community, real CSRF and a SQLite file."""
    instance = tmp_path_factory.mktemp("browser-instance")
    app = make_app(instance, f"sqlite:///{instance / 'compagnon.db'}", WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade()
        for step in DEMO_STEPS:
            step()
        # A short module with known answers, for the learning journey.
        factories.make_module(slug="prise-en-main", title="Prise en main de Compagnon",
                              lessons=2, questions=1)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless system Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, each in its own fresh context (cookies, viewport, JavaScript)."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server, locale="fr-FR", **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh desktop context with JavaScript on."""
    return new_page()
