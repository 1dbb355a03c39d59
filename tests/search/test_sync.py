"""The index follows the database: after each commit, never before, never lost."""

import multiprocessing
import re
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from werkzeug.datastructures import FileStorage

from app.accounts.models import Organisation, User
from app.extensions import db
from app.library import services
from app.library.models import Practice
from app.search import whoosh_index
from app.search.models import SearchOutbox
from app.search.sync import get_index
from app.search.whoosh_index import WhooshIndex
from tests import factories
from tests.search import community, found, make_sheet, results, sheet_id


@pytest.fixture
def world(app):
    return community(app)


def content(title="Le café d’accueil du lundi", body="Un café avec la direction.", **fields):
    values = {"summary": "Chaque lundi.", "category": "accueil", "phase": "premier-jour",
              "sector": "ehpad", "tags": []}
    values.update(fields)
    return services.SheetContent(title=title, body_md=body, **values)


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(SearchOutbox.id)))


def edit_form(**overrides) -> dict:
    data = {"title": "Le café d’accueil du lundi", "summary": "Chaque lundi.",
            "body_md": "Un café avec la direction.", "category": "accueil",
            "phase": "premier-jour", "sector": "ehpad", "tags": ""}
    data.update(overrides)
    return data


def test_created_published_and_edited_sheets_reach_the_index_after_commit(app, world):
    employer, trainer, tutor = (world.users[r] for r in ("employer", "trainer", "tutor"))
    with app.app_context():
        author = db.session.get(User, employer)
        sheet = services.create_practice(author, db.session.get(Organisation, world.org),
                                         content(body="Une madeleine offerte."))
        slug = sheet.slug
    assert found(app, "madeleine", employer) == [slug]  # the draft, for its authors
    assert found(app, "madeleine", tutor) == []

    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        services.save_revision(db.session.get(User, employer), sheet,
                               content(body="Une brioche offerte."))
    assert found(app, "brioche", employer) == [slug]
    assert found(app, "madeleine", employer) == []

    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        services.publish(db.session.get(User, trainer), sheet)
    assert found(app, "brioche", tutor) == [slug]
    assert pending(app) == 0  # every change drained after its commit

    # A published sheet's new version is found only once published.
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        services.save_revision(db.session.get(User, employer), sheet,
                               content(body="Un croissant offert."))
    assert found(app, "croissant", tutor) == []
    assert found(app, "brioche", tutor) == [slug]
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        services.publish(db.session.get(User, trainer), sheet)
    assert found(app, "croissant", tutor) == [slug]
    assert found(app, "brioche", tutor) == []


def test_rolled_back_change_never_reaches_the_index(app, world):
    slug = make_sheet(app, world.org, title="Le café du lundi", body_md="Un café.")
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        sheet.title = "Le goûter clandestin"
        db.session.flush()  # the outbox row is written in the transaction…
        assert db.session.scalar(select(func.count(SearchOutbox.id))) == 1
        db.session.rollback()  # …and goes with it
    assert pending(app) == 0
    assert found(app, "clandestin") == []
    assert found(app, "café") == [slug]


def test_attached_file_is_a_tool_until_removed(app, world):
    slug = make_sheet(app, world.org, title="Le livret", body_md="Notre livret.")
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        upload = FileStorage(BytesIO(factories.PDF_BYTES), filename="Grille d’observation.pdf",
                             content_type="application/pdf")
        attachment = services.attach_file(db.session.get(User, world.users["employer"]), sheet,
                                          upload)
        file_id = attachment.id
    answer = results(app, "grille observation")
    assert [(hit.type, hit.slug) for hit in answer.hits] == [("tool", slug)]
    assert answer.hits[0].url == f"/pratiques/{slug}/fichiers/{file_id}"
    assert answer.facets["type"] == {"tool": 1}

    with app.app_context():
        attachment = db.session.get(type(attachment), file_id)
        services.remove_file(db.session.get(User, world.users["employer"]), attachment)
    assert results(app, "grille observation").total == 0
    assert pending(app) == 0


def _hold_the_lock(folder, holding, release):
    """In another process: take the index's writer and keep it until told."""
    from whoosh import index

    writer = index.open_dir(folder).writer()
    holding.set()
    release.wait(30)
    writer.cancel()


def test_index_locked_by_another_process_never_fails_the_save(app, client, auth, world,
                                                              runner, monkeypatch):
    slug = make_sheet(app, world.org, published=False, title="Le café d’accueil du lundi",
                      body_md="Un café avec la direction.")
    found(app, "café", world.users["employer"])  # the index exists
    monkeypatch.setattr(whoosh_index, "WRITE_TIMEOUT", 0.2)
    context = multiprocessing.get_context("fork")
    holding, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_the_lock,
                             args=(app.config["SEARCH_INDEX_DIR"], holding, release))
    holder.start()
    try:
        assert holding.wait(30)
        auth.as_session(world.keys["employer"])
        response = client.post(f"/pratiques/{slug}/modifier",
                               data=edit_form(body_md="Un chocolat chaud avec la direction."))
        assert response.status_code == 303  # saved, whatever the index
        assert pending(app) == 1  # the change waits in the outbox
        with app.app_context():
            assert "chocolat" in db.session.get(Practice, sheet_id(app, slug)).body_md
        # A search meanwhile answers at once with what the index has.
        page = client.get("/recherche?q=chocolat")
        assert page.status_code == 200
        assert pending(app) == 1
    finally:
        release.set()
        holder.join(30)
    result = runner.invoke(args=["search", "drain"])
    assert result.exit_code == 0, result.output
    assert "1 changement(s) appliqué(s)" in result.output
    assert pending(app) == 0
    assert found(app, "chocolat", world.users["employer"]) == [slug]


def test_worker_killed_between_commit_and_drain_converges_with_flask_search_drain(
        app, world, runner, monkeypatch):
    slug = make_sheet(app, world.org, title="Le café du lundi", body_md="Un café.")

    def killed(*_args, **_kwargs):
        raise RuntimeError("worker killed before the drain")

    monkeypatch.setattr(WhooshIndex, "writing", killed)
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.slug == slug))
        sheet.title = "Le thé du mardi"
        db.session.commit()  # the user's change is saved…
    monkeypatch.undo()
    assert pending(app) == 1  # …and the index's part waits in the outbox
    result = runner.invoke(args=["search", "drain"])
    assert result.exit_code == 0, result.output
    assert pending(app) == 0
    assert found(app, "thé mardi") == [slug]
    assert found(app, "lundi") == []


def test_rows_left_by_a_dead_worker_are_applied_by_the_next_search(app, world):
    slug = make_sheet(app, world.org, title="Le café du lundi", body_md="Un café.")
    found(app, "café")
    with app.app_context():
        # As if the process died right after its commit: the data and the outbox row
        # are in the database, the index knows nothing.
        db.session.execute(text("UPDATE practices SET title = 'Le thé du mardi' WHERE slug = :s"),
                           {"s": slug})
        db.session.execute(insert(SearchOutbox), [{"key": f"practice:{sheet_id(app, slug)}"}])
        db.session.commit()
    assert pending(app) == 1
    assert found(app, "thé mardi") == [slug]
    assert pending(app) == 0


def _status(runner) -> str:
    """The documents per type, in the database and in the index, and the outbox."""
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    return "\n".join(line for line in result.output.splitlines()
                     if not line.startswith("Segments"))


def test_reindex_is_idempotent(app, world, runner):
    for n in range(3):
        make_sheet(app, world.org, title=f"Pratique {n}", body_md="Le binôme du matin.")
    make_sheet(app, world.org, published=False, title="Brouillon", body_md="Le binôme du soir.")
    with app.app_context():
        sheet = db.session.scalar(select(Practice).where(Practice.title == "Pratique 0"))
        factories.make_practice_file(sheet, filename="Planning du binôme.pdf")
    before = _status(runner)
    assert re.search(r"practice\s+4\s+4", before)
    assert re.search(r"tool\s+1\s+1", before)
    hits = found(app, "binôme", world.users["trainer"])
    for _ in range(2):
        result = runner.invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output
        assert "Index reconstruit : 5 document(s)." in result.output
        assert _status(runner) == before
        assert found(app, "binôme", world.users["trainer"]) == hits


def test_reindex_repairs_an_index_that_lost_documents(app, world, runner):
    slug = make_sheet(app, world.org, title="Le café du lundi", body_md="Un café.")
    with app.app_context():
        get_index().apply([], [f"practice:{sheet_id(app, slug)}"])  # the index lost it
    assert found(app, "café") == []
    assert re.search(r"practice\s+1\s+0", _status(runner))
    runner.invoke(args=["search", "reindex"])
    assert found(app, "café") == [slug]
    assert re.search(r"practice\s+1\s+1", _status(runner))


def test_healthz_opens_the_index(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_says_not_ready_when_the_index_is_unreadable(tmp_path, second_app):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the index should be")
    broken = second_app(SEARCH_INDEX_DIR=str(blocked))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_rebuild_in_two_processes_indexes_every_document_once(tmp_path, monkeypatch):
    from app.search.documents import Document
    from app.search.results import SearchRequest

    monkeypatch.setattr(whoosh_index, "PARALLEL_FROM", 10)  # 2,000 documents in production
    monkeypatch.setattr(whoosh_index, "REBUILD_BATCH", 5)
    documents = [Document(key=f"practice:{n}", type="practice", slug=f"fiche-{n}",
                          title=f"Fiche {n}", body=f"Le binôme numéro {n}.",
                          category="accueil", organisation_id=1, url=f"/pratiques/fiche-{n}")
                 for n in range(40)]
    index = WhooshIndex(tmp_path / "index")
    assert index.rebuild(iter(documents), expected=len(documents)) == 40
    assert index.segment_count() == 2  # one per process, not merged
    answer = index.search(SearchRequest(text="binôme", per_page=50))
    assert answer.total == 40
    assert sorted(hit.slug for hit in answer.hits) == sorted(d.slug for d in documents)
    assert index.search(SearchRequest(text="numéro 17")).hits[0].slug == "fiche-17"
    assert index.counts() == {"practice": 40}


def test_index_built_by_an_older_version_is_rebuilt_by_reindex(app, world, runner):
    slug = make_sheet(app, world.org, title="Le café du lundi", body_md="Un café.")
    found(app, "café")
    marker = Path(app.config["SEARCH_INDEX_DIR"]) / whoosh_index.VERSION_FILE
    marker.write_text("1")
    assert "version précédente" in runner.invoke(args=["search", "status"]).output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert marker.read_text() == whoosh_index.SCHEMA_VERSION
    assert "version précédente" not in runner.invoke(args=["search", "status"]).output
    assert found(app, "café") == [slug]


def test_small_segments_are_merged_after_a_burst_of_saves(app, world, monkeypatch):
    monkeypatch.setattr(whoosh_index, "MERGE_IDLE", 0.05)
    slugs = [make_sheet(app, world.org, title=f"Le café numéro {n}", body_md="Un café.")
             for n in range(whoosh_index.MERGE_AFTER_SEGMENTS + 2)]
    with app.app_context():
        index = get_index()
        index.wait_for_merge(10)
        assert index.segment_count() < whoosh_index.MERGE_AFTER_SEGMENTS
    assert sorted(found(app, "café", per_page=20)) == sorted(slugs)


def test_a_savepoint_released_inside_a_transaction_does_not_wait_for_its_own_lock(app, world):
    """A service that uses begin_nested() (a double-click guard) after a flush that
    wrote an outbox row: the drain must wait for the outer commit, not run (and block
    on this very transaction's SQLite lock for the whole busy timeout) at the savepoint."""
    import time

    from app.library.models import UsefulVote

    with app.app_context():
        author = db.session.get(User, world.users["employer"])
        sheet = services.create_practice(author, db.session.get(Organisation, world.org),
                                         content(body="Une brioche offerte."))
        sheet.summary = "Chaque lundi, une brioche."  # an outbox row at the next flush
        db.session.flush()
        started = time.monotonic()
        with db.session.begin_nested():
            db.session.add(UsefulVote(practice_id=sheet.id, user_id=author.id, useful=True))
        db.session.commit()
        assert time.monotonic() - started < 2
        slug = sheet.slug
    assert pending(app) == 0  # drained at the outer commit
    assert found(app, "brioche", world.users["employer"]) == [slug]
