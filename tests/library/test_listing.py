"""The /pratiques list: facets with counts, sorts, pages, htmx fragments, constant queries."""

import re

from sqlalchemy import func, select, update

from app.extensions import db
from app.library.models import Practice
from tests import factories
from tests.conftest import counting_queries
from tests.library.conftest import HX, make_sheet


def _facet(page: str, param: str) -> dict[str, int]:
    """Radio facet counts: {value: count}."""
    return {value: int(count) for value, count in re.findall(
        rf'<label for="{param}-([\w-]+)">[^<]*<span class="count">(\d+)</span>', page)}


def _options(page: str, select_id: str) -> dict[str, str]:
    """Select facet options: {text: value}, without the « all » option."""
    block = page.split(f'<select name="{select_id}" id="{select_id}">')[1].split("</select>")[0]
    return {text.strip(): value for value, text in re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block) if value}


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 class="sheet-card__title"><a href="[^"]+">([^<]+)</a>', page)


def _library(app, world):
    make_sheet(app, world.org, title="Le livret EHPAD", category="accueil",
               phase="avant-arrivee", sector="ehpad", tags=["livret", "accueil"])
    make_sheet(app, world.org, title="Le binôme pour tous", category="accueil",
               phase="premier-jour", sector="tous", tags=["binôme"])
    make_sheet(app, world.other, title="Les gestes à domicile", category="prevention",
               phase="premier-jour", sector="domicile", tags=["binôme", "TMS"])
    make_sheet(app, world.other, title="Le parcours handicap", category="integration",
               phase="six-mois", sector="handicap", tags=[])
    make_sheet(app, world.org, published=False, title="Le brouillon", category="accueil",
               sector="ehpad", tags=["livret"])


def test_facets_count_published_sheets_and_follow_the_other_filters(app, client, login, world):
    _library(app, world)
    login("tutor")
    page = client.get("/pratiques").get_data(as_text=True)
    assert _facet(page, "categorie")["accueil"] == 2  # the draft is not counted
    assert _facet(page, "categorie")["prevention"] == 1
    assert _facet(page, "categorie")["recrutement"] == 0
    assert _facet(page, "etape")["premier-jour"] == 2
    assert _options(page, "organisation") == {"EHPAD Les Tilleuls (2)": str(world.org),
                                              "SAAD Les Glycines (2)": str(world.other)}
    tags = _options(page, "mot")
    assert tags["binôme (2)"] == "binôme" and tags["livret (1)"] == "livret"

    page = client.get("/pratiques?etape=premier-jour").get_data(as_text=True)
    assert _titles(page) == ["Les gestes à domicile", "Le binôme pour tous"]
    assert _facet(page, "categorie")["accueil"] == 1
    assert _facet(page, "categorie")["prevention"] == 1
    assert _facet(page, "categorie")["integration"] == 0
    assert _facet(page, "etape")["six-mois"] == 1  # a facet ignores its own filter
    assert _options(page, "organisation") == {"EHPAD Les Tilleuls (1)": str(world.org),
                                              "SAAD Les Glycines (1)": str(world.other)}
    assert "2 fiches correspondant à vos filtres" in page


def test_sector_filter_includes_sheets_for_every_sector(app, client, login, world):
    _library(app, world)
    login("tutor")
    page = client.get("/pratiques?secteur=ehpad").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Le binôme pour tous", "Le livret EHPAD"]
    page = client.get("/pratiques?secteur=domicile").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Le binôme pour tous", "Les gestes à domicile"]
    assert _facet(page, "categorie")["accueil"] == 1


def test_tag_and_organisation_filters(app, client, login, world):
    _library(app, world)
    login("tutor")
    page = client.get("/pratiques?mot=binôme").get_data(as_text=True)
    assert sorted(_titles(page)) == ["Le binôme pour tous", "Les gestes à domicile"]
    page = client.get(f"/pratiques?organisation={world.other}&mot=binôme").get_data(
        as_text=True)
    assert _titles(page) == ["Les gestes à domicile"]
    page = client.get("/pratiques?mot=livret").get_data(as_text=True)
    assert _titles(page) == ["Le livret EHPAD"]  # not the draft


def test_unknown_filter_values_give_an_empty_list_not_an_error(app, client, login, world):
    _library(app, world)
    login("tutor")
    response = client.get("/pratiques?categorie=inconnue&organisation=abc&tri=pirate")
    assert response.status_code == 200
    assert "Aucune fiche ne correspond à ces filtres." in response.get_data(as_text=True)


def test_sort_by_most_adopted_and_most_useful(app, client, login, world):
    slugs = {title: make_sheet(app, world.org, title=title)
             for title in ["Fiche A", "Fiche B", "Fiche C"]}
    with app.app_context():
        for title, adopted, useful in [("Fiche A", 1, 5), ("Fiche B", 3, 0), ("Fiche C", 0, 2)]:
            db.session.execute(update(Practice).where(Practice.slug == slugs[title]).values(
                adoption_count=adopted, useful_count=useful))
        db.session.commit()
    login("tutor")
    assert _titles(client.get("/pratiques").get_data(as_text=True)) == [
        "Fiche C", "Fiche B", "Fiche A"]
    page = client.get("/pratiques?tri=adoptees").get_data(as_text=True)
    assert _titles(page) == ["Fiche B", "Fiche A", "Fiche C"]
    assert "3 structures le font aussi" in page
    assert _titles(client.get("/pratiques?tri=utiles").get_data(as_text=True)) == [
        "Fiche A", "Fiche C", "Fiche B"]


def test_more_than_a_page_of_sheets_goes_on_page_two_keeping_the_filters(
        app, client, login, world):
    for n in range(21):
        make_sheet(app, world.org, title=f"Fiche numéro {n:02d}", category="formation")
    make_sheet(app, world.org, title="Hors filtre", category="accueil")
    login("tutor")
    first = client.get("/pratiques?categorie=formation").get_data(as_text=True)
    assert len(_titles(first)) == 20 and "Page 1 sur 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next"', first).group(1)
    assert "categorie=formation" in next_link and "page=2" in next_link
    second = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert len(_titles(second)) == 1 and "Page 2 sur 2" in second
    assert set(_titles(first)) | set(_titles(second)) == {
        f"Fiche numéro {n:02d}" for n in range(21)}


def test_htmx_filtering_returns_only_the_library_block_and_the_announce(
        app, client, login, world):
    _library(app, world)
    login("tutor")
    whole = client.get("/pratiques?categorie=accueil")
    part = client.get("/pratiques?categorie=accueil", headers=HX)
    page, html = whole.get_data(as_text=True), part.get_data(as_text=True)
    assert "<html" in page and "Fiches pratiques</h1>" in page
    assert part.status_code == 200 and "<html" not in html and "<h1" not in html
    assert html.lstrip().startswith('<div id="library"')
    assert re.search(r'<p id="results-announce" hx-swap-oob="innerHTML">\s*2\sfiches', html)
    assert _titles(html) == _titles(page)
    assert "HX-Request" in part.headers["Vary"]


def test_the_list_works_without_javascript_as_a_get_form(app, client, login, world):
    _library(app, world)
    login("tutor")
    page = client.get("/pratiques").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/pratiques"', page)
    assert "Appliquer les filtres" in page


def _populate(app, world, count: int, start: int = 0) -> None:
    with app.app_context():
        from app.accounts.models import Organisation
        for n in range(start, count):
            organisation = factories.make_organisation(name=f"Structure {n}")
            sheet = factories.make_practice(organisation, title=f"Fiche {n}",
                                            tags=[f"mot {n}", "commun"])
            factories.make_practice_file(sheet, filename=f"Outil {n}.pdf")
        assert db.session.get(Organisation, world.org) is not None


def _queries(app, client, url: str) -> int:
    client.get(url)  # warm-up: the first request of a client may load more
    with counting_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_list_and_toolbox_query_counts_do_not_grow_with_the_number_of_sheets(
        app, client, login, world):
    _populate(app, world, 3)
    login("tutor")
    few = {url: _queries(app, client, url)
           for url in ["/pratiques", "/pratiques?secteur=ehpad&tri=adoptees", "/outils"]}
    _populate(app, world, 25, start=3)
    many = {url: _queries(app, client, url) for url in few}
    assert many == few, (few, many)


def test_detail_page_query_count_does_not_grow_with_adoptions_and_files(
        app, client, login, world):
    slug = make_sheet(app, world.org)
    login("tutor")

    def add(n0, n1):
        with app.app_context():
            from sqlalchemy import select

            from app.library.models import Adoption
            sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
            for n in range(n0, n1):
                organisation = factories.make_organisation(name=f"Adoptante {n}")
                db.session.add(Adoption(practice_id=sheet.id, organisation_id=organisation.id))
                factories.make_practice_file(sheet, filename=f"Outil {n}.pdf")
                factories.make_practice(organisation, title=f"Voisine {n}")
            db.session.commit()

    add(0, 2)
    few = _queries(app, client, f"/pratiques/{slug}")
    add(2, 12)
    assert _queries(app, client, f"/pratiques/{slug}") == few


def test_hand_made_addresses_never_break_the_lists(app, client, login, world):
    slug = make_sheet(app, world.org)
    login("tutor")
    for url in ["/pratiques?organisation=²", "/pratiques?organisation=99999999999999999999",
                "/pratiques?categorie=%00&etape=%00&secteur=%00&mot=%00&tri=%00",
                "/outils?type=%00&categorie=%00"]:
        response = client.get(url)
        assert response.status_code == 200, url
    for url in ["/pratiques?page=99999999999999999999999", "/outils?page=99999999999999999999",
                "/pratiques?page=0", "/pratiques?page=deux", "/pratiques?page=3",
                "/pratiques/%00", f"/pratiques/{slug}%00/historique", "/pratiques/" + "x" * 300]:
        assert client.get(url).status_code == 404, url
    assert client.get("/pratiques?page=1").status_code == 200


def test_ties_in_a_sort_never_repeat_or_lose_a_sheet_across_pages(app, client, login, world):
    for n in range(25):
        make_sheet(app, world.org, title=f"Fiche égale {n:02d}")
    with app.app_context():
        db.session.execute(update(Practice).values(
            published_at=db.session.scalar(select(func.min(Practice.published_at)))))
        db.session.commit()
    login("tutor")
    for sort in ("recentes", "adoptees", "utiles"):
        seen = []
        for page in (1, 2):
            seen += _titles(client.get(f"/pratiques?tri={sort}&page={page}").get_data(
                as_text=True))
        assert sorted(seen) == [f"Fiche égale {n:02d}" for n in range(25)], sort


def test_a_sheet_shows_the_published_modules_on_its_category(app, client, auth):
    with app.app_context():
        org = factories.make_organisation()
        tutor = factories.make_user(org, "tutor").email
        sheet = factories.make_practice(org, category="transmission")
        factories.make_module(title="Transmettre les gestes", theme="transmission")
        factories.make_module(title="Brouillon caché", theme="transmission", status="draft")
        factories.make_module(title="Évaluer", theme="evaluation")
        slug = sheet.slug
    auth.login(tutor)
    page = client.get(f"/pratiques/{slug}").get_data(as_text=True)
    assert "Les formations qui l’abordent" in page and "Transmettre les gestes" in page
    assert "Brouillon caché" not in page and "Évaluer" not in page
