"""/recherche: the whole page or the results block alone, filters, pages, excerpts."""

import re

import pytest

from tests import factories
from tests.conftest import counting_queries
from tests.search import HX, community, make_sheet


@pytest.fixture
def world(app, auth):
    people = community(app)
    auth.as_session(people.keys["tutor"])
    return people


def page(client, query: str, headers=None) -> str:
    """The page's HTML, non-breaking spaces (French typography) as plain spaces."""
    response = client.get(f"/recherche?{query}", headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def result_links(html: str) -> list[str]:
    return re.findall(r'<h2 class="sheet-card__title"><a href="/pratiques/([^"/]+)"', html)


def test_without_htmx_the_whole_page_with_htmx_the_results_block(app, client, world):
    slug = make_sheet(app, world.org, title="Le binôme du matin", body_md="Le binôme.")
    full = client.get("/recherche?q=binôme")
    assert full.status_code == 200
    assert "HX-Request" in full.headers["Vary"]
    html = full.get_data(as_text=True)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert 'class="header-search"' in html
    assert '<form method="get" action="/recherche" role="search" class="search-form"' in html
    assert result_links(html) == [slug]

    fragment = client.get("/recherche?q=binôme", headers=HX)
    assert fragment.status_code == 200
    part = fragment.get_data(as_text=True)
    assert "<html" not in part and "header-search" not in part
    assert part.lstrip().startswith('<section id="search_results"')
    assert re.search(r'<p id="search-announce" hx-swap-oob="innerHTML">\s*1 résultat\s*</p>',
                     part)
    assert result_links(part) == [slug]


def test_empty_query_invites_to_type(client, world):
    html = page(client, "q=")
    assert "Tapez quelques mots" in html
    assert result_links(html) == []


def test_filters_by_type_and_category(app, client, world):
    from app.extensions import db
    from app.library.models import Practice
    from tests import factories

    welcome = make_sheet(app, world.org, title="Le livret d’accueil", body_md="Un livret.",
                         category="accueil")
    training = make_sheet(app, world.org, title="Le livret du tuteur", body_md="Un livret.",
                          category="formation")
    with app.app_context():
        factories.make_practice_file(db.session.scalar(
            db.select(Practice).where(Practice.slug == welcome)), filename="Livret.pdf")

    everything = page(client, "q=livret")
    assert re.search(r"3 résultats pour", everything)
    assert re.search(r'type=practice">Fiches pratiques <span class="count">2</span>', everything)
    assert re.search(r'type=tool">Outils <span class="count">1</span>', everything)

    practices = page(client, "q=livret&type=practice")
    assert re.search(r"2 résultats pour", practices)
    assert "/fichiers/" not in practices
    tools = page(client, "q=livret&type=tool", HX)
    assert re.search(r"1 résultat pour", tools)
    assert f"/pratiques/{welcome}/fichiers/" in tools

    filtered = page(client, "q=livret&category=formation&type=practice")
    assert result_links(filtered) == [training]
    # The facet counts still show the other choices.
    assert re.search(r'category=accueil">Accueil <span class="count">2</span>', filtered)


def test_pages_of_ten(app, client, world):
    slugs = {make_sheet(app, world.org, title=f"Le binôme numéro {n}",
                        body_md="Le binôme. " * (n + 1)) for n in range(13)}
    first = page(client, "q=binôme")
    assert len(result_links(first)) == 10
    assert "Page 1 sur 2" in first
    assert re.search(r'<a rel="next" href="/recherche\?q=bin%C3%B4me&amp;page=2', first)
    second = page(client, "q=binôme&page=2", HX)
    assert len(result_links(second)) == 3
    assert '<ol class="search-hits" start="11">' in second
    assert set(result_links(first)) | set(result_links(second)) == slugs
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert result_links(page(client, "q=binôme&page=9")) == []


def test_excerpt_marks_the_words_found(app, client, world):
    make_sheet(app, world.org, title="Le café", body_md=(
        "## Pourquoi\n\nNous voulions que chaque personne arrive sereine. "
        "Le **livret d’accueil** est remis la veille, avec le planning."))
    html = page(client, "q=livrets accueil")
    excerpt = re.search(r'<p class="search-hit__excerpt">(.*?)</p>', html, re.S).group(1)
    assert "<mark>livret</mark> d’<mark>accueil</mark>" in excerpt
    assert "planning" in excerpt


def test_excerpt_escapes_what_the_sheet_says(app, client, world):
    make_sheet(app, world.org, title="Sécurité",
               body_md="Ne jamais coller `<script>alert(1)</script>` dans le livret & ailleurs.")
    html = page(client, "q=livret")
    excerpt = re.search(r'<p class="search-hit__excerpt">(.*?)</p>', html, re.S).group(1)
    assert "<script>" not in html.split('<section id="search_results"')[1].split("</section>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in excerpt
    assert "<mark>livret</mark> &amp; ailleurs" in excerpt


def test_vouliez_vous_dire_when_a_close_spelling_finds_more(app, client, world):
    for n in range(3):
        make_sheet(app, world.org, title=f"Le tutorat, étape {n}", body_md="Le tutorat.")
    typo = make_sheet(app, world.org, title="Une coquille", body_md="Le tutorta mal écrit.")
    html = page(client, "q=tutorta")
    assert result_links(html) == [typo]
    assert re.search(r'Vouliez-vous dire <a href="/recherche\?q=tutorat">« tutorat »</a>', html)
    # A word no sheet has is corrected quietly, and said.
    corrected = page(client, "q=tutorrat")
    assert "Aucun résultat pour « tutorrat »" in corrected
    assert len(result_links(corrected)) == 3


def test_header_search_box_on_every_page(app, client, world):
    make_sheet(app, world.org, title="Le binôme", body_md="Le binôme.")
    auth_pages = ["/", "/pratiques", "/recherche", "/recherche?q=binôme", "/outils", "/compte"]
    for url in auth_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert re.search(r'<form method="get" action="/recherche" role="search" '
                         r'class="header-search">', html), url
        assert 'name="q"' in html


def test_every_signed_in_html_page_has_the_header_search_box(app, client, world):
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in (
                "static", "home.healthz"):
            continue
        response = client.get(rule.rule)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        assert 'class="header-search"' in response.get_data(as_text=True), rule.rule
        checked += 1
    assert checked >= 5


def test_query_count_does_not_grow_with_the_results(app, client, world):
    make_sheet(app, world.org, title="Le café du lundi", body_md="Le café.")
    page(client, "q=café")  # warm: the index, the vocabularies
    with counting_queries(app) as few:
        assert len(result_links(page(client, "q=café"))) == 1
    for n in range(9):
        make_sheet(app, world.other, title=f"Le café numéro {n}", body_md="Le café.")
    page(client, "q=café")
    with counting_queries(app) as many:
        assert len(result_links(page(client, "q=café"))) == 10
    assert len(many) == len(few)


def test_an_index_without_any_document_answers_nothing_found(app, client, auth):
    """A new platform, or one whose only change so far was a removal: no segment at all."""
    from app.search.sync import get_index

    with app.app_context():
        person = factories.make_user(factories.make_organisation(), "tutor")
        with get_index().writing() as batch:  # a removal creates an index without segments
            batch.remove("practice:404")
        key = person.get_id()
    auth.as_session(key)
    response = client.get("/recherche?q=accueil")
    assert response.status_code == 200
    assert "0 résultat" in response.get_data(as_text=True)
