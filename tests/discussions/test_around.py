"""Discussions around the rest of Compagnon: files in the toolbox, threads in the search,
« Discussion » sections on sheets, modules and lessons, the categories' admin page,
query counts, the demo."""

from sqlalchemy import select

from app.discussions.models import Category, Thread
from app.extensions import db
from tests import factories
from tests.conftest import counting_queries
from tests.discussions.conftest import HX, answer, ask, user


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


# --- The toolbox -------------------------------------------------------------------------


def test_a_file_shared_in_a_thread_is_in_the_toolbox_with_a_link_back(app, client, login,
                                                                       world):
    thread_id = ask(app, world, title="Notre livret de poche",
                    uploads=[factories.pdf_upload("Livret de poche.pdf")])
    login("newcomer")
    page = _text(client.get("/outils"))
    assert "Livret de poche.pdf" in page
    assert f"/discussions/{thread_id}?message=1#message-1" in page
    assert "Partagé dans la discussion" in page and "Karim Diallo" in page
    only = _text(client.get("/outils?source=discussions"))
    assert "Livret de poche.pdf" in only
    assert "Livret de poche.pdf" not in _text(client.get("/outils?source=fiches"))
    assert "Livret de poche.pdf" not in _text(client.get("/outils?categorie=accueil"))
    fragment = client.get("/outils?source=discussions", headers=HX)
    assert "<html" not in _text(fragment) and "Livret de poche.pdf" in _text(fragment)
    assert "Livret de poche.pdf" in _text(client.get("/outils?type=pdf"))
    assert "Livret de poche.pdf" not in _text(client.get("/outils?type=image"))


def test_a_hidden_or_deleted_post_takes_its_file_out_of_the_toolbox(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, uploads=[factories.pdf_upload("Modèle.pdf")])
    login("trainer")
    client.post(f"/discussions/messages/{post_id}/masquer", data={"reason": "Doublon"})
    login("employer")
    assert "Modèle.pdf" not in _text(client.get("/outils"))
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Modèle.pdf" not in page
    with app.app_context():
        from app.discussions.models import PostFile

        file_id = db.session.scalar(select(PostFile.id))
    assert client.get(f"/discussions/fichiers/{file_id}").status_code == 404
    login("peer")  # its author still has it
    response = client.get(f"/discussions/fichiers/{file_id}")
    assert response.status_code == 200
    response.close()


def test_a_deleted_file_s_address_never_leads_to_another_file(app, client, login, world):
    from app.discussions.models import PostFile

    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, role="peer",
                     uploads=[factories.pdf_upload("Ancien.pdf")])
    with app.app_context():
        old_id = db.session.scalar(select(PostFile.id))
    login("peer")
    client.post(f"/discussions/messages/{post_id}/supprimer")
    answer(app, world, thread_id, role="employer", uploads=[factories.pdf_upload("Neuf.pdf")])
    with app.app_context():
        new_id = db.session.scalar(select(PostFile.id))
    assert new_id > old_id  # a link to « Ancien.pdf » in an e-mail is a 404, not « Neuf.pdf »
    assert client.get(f"/discussions/fichiers/{old_id}").status_code == 404


def test_the_toolbox_merges_both_sources_newest_first_in_constant_queries(app, client, login,
                                                                          world):
    def queries_for(sheets: int, threads: int) -> int:
        with app.app_context():
            org = factories.make_organisation()
            for _ in range(sheets):
                factories.make_practice_file(factories.make_practice(org))
        for _ in range(threads):
            ask(app, world, uploads=[factories.pdf_upload()])
        login("tutor")
        with counting_queries(app) as statements:
            assert client.get("/outils").status_code == 200
        return len(statements)

    assert queries_for(1, 1) == queries_for(8, 8)
    app.config["PAGE_SIZE"] = 5
    page = _text(client.get("/outils"))
    assert "Page 1 sur 4" in page  # 18 files, 5 a page
    assert client.get("/outils?page=4").status_code == 200
    assert client.get("/outils?page=5").status_code == 404


# --- The search ---------------------------------------------------------------------------


def test_public_threads_and_their_files_are_found_by_search(app, client, login, world):
    from app.search.service import search

    thread_id = ask(app, world, title="Le premier week-end seul à domicile",
                    body="Un numéro d’astreinte joignable.",
                    uploads=[factories.pdf_upload("Consignes astreinte.pdf")])
    answer(app, world, thread_id, body="Chez nous, une tablette avec les procédures.")
    with app.app_context():
        results = search("tablette procédures")
        assert [(h.type, h.slug) for h in results.hits][:1] == [("discussion", str(thread_id))]
        tools = search("consignes astreinte", filters={"type": "tool"})
        assert [h.title for h in tools.hits] == ["Consignes astreinte.pdf"]
    login("peer")
    page = _text(client.get("/recherche?q=tablette"))
    assert "Le premier week-end seul à domicile" in page and "Discussion" in page


def test_hidden_text_and_removed_threads_leave_the_search(app, client, login, world):
    from app.search.service import search

    thread_id = ask(app, world, title="Une question ordinaire")
    post_id = answer(app, world, thread_id, body="Un propos zarbiesque à masquer.")
    login("trainer")
    client.post(f"/discussions/messages/{post_id}/masquer", data={"reason": "Propos"})
    with app.app_context():
        assert search("zarbiesque").total == 0
        assert search("ordinaire").total == 1
    with app.app_context():
        question = db.session.get(Thread, thread_id).posts[0].id
    client.post(f"/discussions/messages/{question}/masquer", data={"reason": "Tout"})
    with app.app_context():
        assert search("ordinaire").total == 0


def test_search_cli_lists_discussions_with_the_stable_json(app, runner, world):
    import json

    thread_id = ask(app, world, title="Les transmissions ciblées du soir")
    result = runner.invoke(args=["search", "query", "transmissions ciblées", "--json"])
    data = json.loads(result.output)
    assert {"type": "discussion", "slug": str(thread_id),
            "title": "Les transmissions ciblées du soir"}.items() <= data["results"][0].items()


# --- « Discussion » sections of sheets, modules and lessons -----------------------------


def test_a_sheet_page_shows_its_threads_and_asks_about_it(app, client, login, world):
    with app.app_context():
        from app.accounts.models import Organisation

        org = db.session.scalar(select(Organisation).where(Organisation.name == "EHPAD Les "
                                                                                 "Tilleuls"))
        sheet = factories.make_practice(org, title="Le café d’accueil")
        draft = factories.make_practice(org, title="Brouillon", published=False)
        slug, draft_slug = sheet.slug, draft.slug
    login("peer")
    page = _text(client.get(f"/pratiques/{slug}"))
    assert "Pas encore de question à ce sujet." in page
    assert f"/discussions/nouvelle?fiche={slug}" in page
    form = _text(client.get(f"/discussions/nouvelle?fiche={slug}"))
    assert "Votre discussion portera sur la fiche" in form and "Le café d’accueil" in form
    response = client.post(f"/discussions/nouvelle?fiche={slug}", data={
        "category_id": "3", "title": "Le café aussi à domicile ?", "body": "Possible ?"})
    assert response.status_code == 303
    thread_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert "Le café aussi à domicile ?" in _text(client.get(f"/pratiques/{slug}"))
    thread_page = _text(client.get(f"/discussions/{thread_id}"))
    assert "À propos de la fiche" in thread_page and f'href="/pratiques/{slug}"' in thread_page
    # A draft cannot be a thread's subject: the thread is asked, about nothing.
    client.post(f"/discussions/nouvelle?fiche={draft_slug}", data={
        "category_id": "1", "title": "Sur un brouillon", "body": "?"})
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.title == "Sur un brouillon"))
        assert thread.subject_type is None and thread.subject_id is None
    assert client.get("/discussions/nouvelle?fiche=%00").status_code == 200


def test_module_and_lesson_pages_show_their_threads(app, client, login, world):
    with app.app_context():
        module = factories.make_module(slug="transmettre", title="Transmettre les gestes")
        lesson_slug = module.lessons[0].slug
    login("tutor")
    response = client.post(f"/discussions/nouvelle?formation=transmettre&lecon={lesson_slug}",
                           data={"category_id": "4", "title": "Leçon 1 : une question",
                                 "body": "Comment faire ?"})
    assert response.status_code == 303
    client.post("/discussions/nouvelle?formation=transmettre",
                data={"category_id": "4", "title": "Sur le module entier", "body": "Et ?"})
    lesson_page = _text(client.get(f"/formations/transmettre/lecons/{lesson_slug}"))
    assert "Leçon 1 : une question" in lesson_page
    assert "Sur le module entier" not in lesson_page
    assert "Poser une question sur cette leçon" in lesson_page
    module_page = _text(client.get("/formations/transmettre"))
    assert "Leçon 1 : une question" in module_page and "Sur le module entier" in module_page
    assert "Poser une question sur cette formation" in module_page


# --- Categories (admins) --------------------------------------------------------------------


def test_admins_add_rename_archive_and_order_categories(app, client, login, world):
    login("admin")
    page = _text(client.get("/admin/discussions"))
    assert "Questions de tuteurs" in page and "Vie de la communauté" in page
    response = client.post("/admin/discussions", data={
        "new-name": "Handicap et inclusion", "new-description": "Accueillir en ESAT, FAM…"})
    assert response.status_code == 303
    duplicate = client.post("/admin/discussions", data={"new-name": "handicap et INCLUSION"})
    assert duplicate.status_code == 422 and "Une catégorie porte déjà ce nom." in _text(duplicate)
    empty = client.post("/admin/discussions", data={"new-name": "  "})
    assert empty.status_code == 422 and "Donnez un nom à la catégorie." in _text(empty)
    with app.app_context():
        created = db.session.scalar(select(Category).where(Category.slug ==
                                                           "handicap-et-inclusion"))
        created_id = created.id
    client.post(f"/admin/discussions/{created_id}", data={
        f"c{created_id}-name": "Handicap", f"c{created_id}-description": "ESAT, FAM, IME",
        f"c{created_id}-archived": "y"})
    with app.app_context():
        renamed = db.session.get(Category, created_id)
        assert (renamed.name, renamed.archived) == ("Handicap", True)
    login("tutor")
    assert ">Handicap</option>" not in _text(client.get("/discussions/nouvelle"))
    login("admin")
    client.post(f"/admin/discussions/{created_id}/ordre", data={"sens": "haut"})
    with app.app_context():
        ordered = list(db.session.scalars(select(Category.slug).order_by(Category.position)))
    assert ordered.index("handicap-et-inclusion") == len(ordered) - 2


def test_the_last_open_category_cannot_be_archived(app, client, login, world):
    with app.app_context():
        for category in db.session.scalars(select(Category).where(Category.id != 1)):
            category.archived = True
        db.session.commit()
    login("admin")
    response = client.post("/admin/discussions/1", data={
        "c1-name": "Questions de tuteurs", "c1-description": "", "c1-archived": "y"})
    assert response.status_code == 422
    assert "Gardez au moins une catégorie ouverte." in _text(response)


# --- Query counts --------------------------------------------------------------------------------


def test_list_and_thread_pages_take_the_same_queries_for_few_or_many_rows(app, client, login,
                                                                          world):
    def measure(threads: int, replies: int) -> tuple[int, int, int]:
        ids = [ask(app, world, uploads=[factories.pdf_upload()]) for _ in range(threads)]
        for _ in range(replies):
            answer(app, world, ids[-1], role="peer", uploads=[factories.pdf_upload()])
        login("trainer")  # a moderator: the report counts too
        with app.app_context():
            from app.discussions import services
            from app.discussions.models import Post

            last = db.session.scalars(select(Post).where(Post.thread_id == ids[-1])).all()
            services.thank(user(world.ids["trainer"]), last[-1], True)
        with counting_queries(app) as listing:
            client.get("/discussions")
        with counting_queries(app) as category:
            client.get("/discussions/categories/questions-de-tuteurs")
        with counting_queries(app) as thread:
            client.get(f"/discussions/{ids[-1]}")
        return len(listing), len(category), len(thread)

    assert measure(2, 2) == measure(12, 12)


# --- The demo -------------------------------------------------------------------------------


def test_the_demo_has_threads_in_every_category_a_solved_one_a_tool_and_a_sheet(app, runner):
    from app.discussions.models import Post, PostFile

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        threads = list(db.session.scalars(select(Thread).where(Thread.is_private.is_(False))))
        categories = {t.category_id for t in threads}
        assert categories == set(db.session.scalars(select(Category.id)))
        assert any(t.is_solved for t in threads)
        assert any(t.subject_type == "practice" for t in threads)
        assert db.session.scalar(select(PostFile.id)) is not None
        count = db.session.scalar(select(db.func.count(Post.id)))
        # Notifications tell the time of the message they are about, not of the loading.
        from app.discussions.models import Notification

        pairs = db.session.execute(select(Notification.created_at, Post.created_at)
                                   .join(Post, Post.id == Notification.post_id)
                                   .join(Thread, Thread.id == Post.thread_id)
                                   .where(Thread.is_private.is_(False))).all()
        assert pairs and all(told == written for told, written in pairs)
    runner.invoke(args=["demo", "load"])  # idempotent
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Post.id))) == count


def test_categories_with_a_name_in_another_script_get_a_readable_address(app, client, login,
                                                                         world):
    login("admin")
    client.post("/admin/discussions", data={"new-name": "مرحبا"})
    client.post("/admin/discussions", data={"new-name": "🙂"})
    with app.app_context():
        slugs = set(db.session.scalars(select(Category.slug)))
    assert {"categorie", "categorie-2"} <= slugs and "fiche" not in slugs


def test_an_archived_category_says_so_and_cannot_be_watched(app, client, login, world):
    from app.discussions.models import CategoryWatch

    with app.app_context():
        db.session.get(Category, 5).archived = True
        db.session.commit()
    login("tutor")
    page = _text(client.get("/discussions/categories/vie-de-la-communaute"))
    assert "Catégorie archivée" in page and "Surveiller cette catégorie" not in page
    assert "Nouvelle discussion</a>" not in page
    client.post("/discussions/categories/vie-de-la-communaute/surveiller")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(CategoryWatch.id))) == 0
