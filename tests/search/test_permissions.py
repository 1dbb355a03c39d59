"""Drafts are found only by those who may read them; the CLI searches published content."""

import json

import pytest

from tests.search import HX, community, found, make_sheet


@pytest.fixture
def world(app):
    people = community(app)
    people.draft = make_sheet(app, people.org, published=False, title="Brouillon confidentiel",
                              body_md="Notre projet de marrainage interne, pas encore relu.")
    people.published = make_sheet(app, people.org, title="Marrainage publié",
                                  body_md="Le marrainage des nouvelles personnes.")
    return people


@pytest.mark.parametrize(("role", "sees_draft"), [
    ("trainer", True), ("admin", True), ("employer", True),
    ("tutor", False), ("other_employer", False), ("other_tutor", False),
])
def test_draft_is_found_only_by_reviewers_and_its_organisation_employers(app, world, role,
                                                                        sees_draft):
    hits = found(app, "marrainage", world.users[role])
    assert world.published in hits
    assert (world.draft in hits) is sees_draft


def test_visitor_without_account_finds_published_content_only(app, world):
    assert found(app, "marrainage") == [world.published]


@pytest.mark.parametrize(("role", "sees_draft"), [("employer", True), ("other_employer", False),
                                                  ("tutor", False), ("trainer", True)])
def test_recherche_page_applies_the_same_rule(app, client, auth, world, role, sees_draft):
    auth.as_session(world.keys[role])
    for headers in ({}, HX):
        page = client.get("/recherche?q=marrainage", headers=headers).get_data(as_text=True)
        assert f"/pratiques/{world.published}" in page
        assert (f"/pratiques/{world.draft}" in page) is sees_draft
        assert ("Brouillon confidentiel" in page) is sees_draft


def test_recherche_needs_an_account(client, world):
    response = client.get("/recherche?q=marrainage")
    assert response.status_code in (302, 303)
    assert "/compte/connexion" in response.headers["Location"]


def test_cli_query_prints_published_content_only_as_json(app, runner, world):
    result = runner.invoke(args=["search", "query", "marrainage", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"total", "results"}
    assert data["total"] == 1
    assert [row["slug"] for row in data["results"]] == [world.published]
    for row in data["results"]:
        assert set(row) == {"type", "slug", "title", "score"}
        assert isinstance(row["score"], float)
    assert data["results"][0] == {"type": "practice", "slug": world.published,
                                  "title": "Marrainage publié",
                                  "score": data["results"][0]["score"]}


def test_cli_query_ranks_best_first_and_limits(app, runner, world):
    for n in range(4):
        make_sheet(app, world.org, title=f"Pratique {n}",
                   body_md="Le marrainage. " * (n + 1) + "Et bien d’autres choses encore. " * 20)
    make_sheet(app, world.org, title="Le marrainage, pas à pas", body_md="Marrainage.")
    result = runner.invoke(args=["search", "query", "marrainage", "--limit", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 6  # the draft is not counted
    scores = [row["score"] for row in data["results"]]
    assert len(scores) == 3
    assert scores == sorted(scores, reverse=True)
    assert data["results"][0]["title"] == "Le marrainage, pas à pas"


def test_cli_query_plain_output(app, runner, world):
    result = runner.invoke(args=["search", "query", "marrainage"])
    assert result.exit_code == 0, result.output
    assert "1 résultat(s)" in result.output
    assert world.published in result.output
    assert world.draft not in result.output
