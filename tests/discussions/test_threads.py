"""Asking, reading and replying: lists and filters, the thread page, htmx replies, quotes,
edits with history, deletes, thanks, the useful answer, following, read markers."""

import io
import re

from app.discussions.models import Post, PostRevision, Thanks, Thread
from tests.discussions.conftest import (
    HX,
    answer,
    ask,
    count,
    post_state,
    thread_state,
)
from tests.factories import PDF_BYTES, pdf_upload


def _text(response) -> str:
    """The page as a person reads it: French no-break spaces read as spaces."""
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


# --- Asking ---------------------------------------------------------------------------


def test_a_tutor_asks_a_question_and_everyone_reads_it(app, client, login, world):
    login("tutor")
    page = _text(client.get("/discussions/nouvelle?categorie=questions-de-tuteurs"))
    assert '<option selected value="' in page or "selected" in page
    response = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "Premier week-end seul·e : comment faites-vous ?",
        "body": "Chez nous c’est **au bout de trois semaines**.",
    })
    assert response.status_code == 303
    thread_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    login("peer")  # another employer's tutor
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Premier week-end seul·e : comment faites-vous ?" in page
    assert "<strong>au bout de trois semaines</strong>" in page
    assert "Karim Diallo" in page
    listing = _text(client.get("/discussions"))
    assert "Premier week-end seul·e : comment faites-vous" in listing
    assert "Questions de tuteurs" in listing


def test_a_new_thread_without_title_or_text_keeps_what_was_typed(app, client, login, world):
    login("tutor")
    response = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "   ", "body": "Mon long message qui ne doit pas se perdre",
    })
    page = _text(response)
    assert response.status_code == 422
    assert "Donnez un titre à votre discussion." in page
    assert "Mon long message qui ne doit pas se perdre" in page
    response = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "Un titre", "body": "  \n "})
    assert response.status_code == 422
    assert "Écrivez votre message avant de l’envoyer." in _text(response)
    assert count(app, Thread) == 0


def test_a_forged_or_archived_category_is_refused_next_to_the_field(app, client, login, world):
    from app.discussions.models import Category
    from app.extensions import db

    login("tutor")
    response = client.post("/discussions/nouvelle", data={
        "category_id": "99999", "title": "Titre", "body": "Texte"})
    assert response.status_code == 422
    assert "Choisissez une catégorie ouverte dans la liste." in _text(response)
    with app.app_context():
        db.session.get(Category, 2).archived = True
        db.session.commit()
    response = client.post("/discussions/nouvelle", data={
        "category_id": "2", "title": "Titre", "body": "Texte"})
    assert response.status_code == 422
    assert 'value="2"' not in _text(response)  # no longer offered
    assert count(app, Thread) == 0


def test_hostile_text_never_gives_a_server_error(app, client, login, world):
    login("tutor")
    for title, body in [("A\x00B", "C\x00D"), ("é" * 201, "x"), ("Titre", "x" * 20_001),
                        ("Titre", "<script>alert(1)</script>")]:
        response = client.post("/discussions/nouvelle", data={
            "category_id": "1", "title": title, "body": body})
        assert response.status_code in (303, 422), (title[:10], response.status_code)
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db

        bodies = list(db.session.scalars(select(Post.body_html)))
    assert all("<script" not in b for b in bodies)
    assert all("\x00" not in b for b in bodies)


def test_preview_without_javascript_saves_nothing(app, client, login, world):
    login("tutor")
    response = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "Titre", "body": "*penché*", "apercu": "1"})
    assert response.status_code == 200
    assert "<em>penché</em>" in _text(response)
    assert count(app, Thread) == 0
    live = client.post("/discussions/apercu", data={"body": "**gras** <img src=x onerror=y>"},
                       headers=HX)
    assert "<strong>gras</strong>" in _text(live) and "<img" not in _text(live)


# --- The thread page and replies ------------------------------------------------------------


def test_reply_without_javascript_redirects_to_the_new_post(app, client, login, world):
    thread_id = ask(app, world)
    login("peer")
    response = client.post(f"/discussions/{thread_id}/repondre",
                           data={"body": "Un numéro d’astreinte.", "shown_until": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/discussions/{thread_id}?message=2#message-2")
    page = _text(client.get(response.headers["Location"]))
    assert "Un numéro d’astreinte." in page and "Votre réponse est publiée." in page
    state = thread_state(app, thread_id)
    assert (state.reply_count, state.last_number) == (1, 2)


def test_reply_with_htmx_returns_the_fresh_box_and_the_new_post(app, client, login, world):
    thread_id = ask(app, world)
    login("peer")
    response = client.post(f"/discussions/{thread_id}/repondre", headers=HX,
                           data={"body": "Avec htmx.", "shown_until": "1"})
    page = _text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'hx-swap-oob="beforeend:#messages"' in page
    assert 'id="message-2"' in page and "Avec htmx." in page
    assert "data-focus-after-swap" in page
    # The box is empty again, and knows the page now shows message 2.
    box = page[page.index('id="reply-body"'):]
    assert box[:box.index("</textarea>")].rstrip().endswith(">")
    assert 'value="2"' in page
    assert "Votre réponse est publiée." in page  # announced in the live region


def test_an_htmx_reply_when_messages_came_in_between_reloads_the_page(app, client, login,
                                                                      world):
    thread_id = ask(app, world)
    answer(app, world, thread_id, role="employer")  # message 2, not on the peer's page
    login("peer")
    response = client.post(f"/discussions/{thread_id}/repondre", headers=HX,
                           data={"body": "Je n’avais pas vu.", "shown_until": "1"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith("message=3#message-3")


def test_an_empty_reply_is_refused_next_to_the_field(app, client, login, world):
    thread_id = ask(app, world)
    login("peer")
    for headers in ({}, HX):
        response = client.post(f"/discussions/{thread_id}/repondre", headers=headers,
                               data={"body": "   ", "shown_until": "1"})
        page = _text(response)
        assert response.status_code == 422
        assert 'aria-invalid="true"' in page
        assert "Écrivez votre message avant de l’envoyer." in page
    assert thread_state(app, thread_id).last_number == 1


def test_posts_are_paginated_and_load_more_returns_the_next_ones(app, client, login, world):
    app.config["DISCUSSION_POSTS_PER_PAGE"] = 3
    thread_id = ask(app, world)
    for n in range(2, 8):
        answer(app, world, thread_id, body=f"Réponse numéro {n}")
    login("employer")
    first = _text(client.get(f"/discussions/{thread_id}"))
    assert "Réponse numéro 3" in first and "Réponse numéro 4" not in first
    assert "Afficher les messages suivants" in first
    more = client.get(f"/discussions/{thread_id}?page=2", headers=HX)
    fragment = _text(more)
    assert "<html" not in fragment
    assert "Réponse numéro 4" in fragment and "Réponse numéro 6" in fragment
    assert 'id="shown_until"' in fragment and 'value="6"' in fragment
    full = _text(client.get(f"/discussions/{thread_id}?page=2"))
    assert "<html" in full and "Messages précédents" in full
    # ?message= opens the page that holds it.
    assert "Réponse numéro 7" in _text(client.get(f"/discussions/{thread_id}?message=7"))
    assert client.get(f"/discussions/{thread_id}?page=9").status_code == 404


def test_quote_prefills_the_box_and_keeps_what_was_typed(app, client, login, world):
    thread_id = ask(app, world, body="Ligne un\nLigne deux")
    login("peer")
    with app.app_context():
        from app.extensions import db

        question = db.session.get(Thread, thread_id).posts[0].id
    page = _text(client.get(f"/discussions/{thread_id}/repondre?citer={question}&body=Déjà+tapé",
                            headers=HX))
    assert "<html" not in page
    assert "Déjà tapé" in page
    assert "&gt; **@Karim Diallo a écrit :**" in page and "&gt; Ligne deux" in page
    full = _text(client.get(f"/discussions/{thread_id}/repondre?citer={question}"))
    assert "<html" in full and "Vous citez le message de Karim Diallo" in full


def test_a_locked_thread_takes_no_reply_but_moderators_may(app, client, login, world):
    from app.discussions import services
    from app.extensions import db
    from tests.discussions.conftest import user

    thread_id = ask(app, world)
    with app.app_context():
        services.set_locked(user(world.ids["trainer"]), db.session.get(Thread, thread_id), True,
                            "Le sujet est clos.")
    login("peer")
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Cette discussion est verrouillée" in page and 'id="reply-body"' not in page
    refused = client.post(f"/discussions/{thread_id}/repondre", data={"body": "Et pourtant"})
    assert refused.status_code == 422  # the text is given back (see below)
    assert thread_state(app, thread_id).last_number == 1
    login("trainer")
    assert client.post(f"/discussions/{thread_id}/repondre",
                       data={"body": "Précision de la formatrice"}).status_code == 303


def test_files_attached_to_a_reply_are_checked_and_downloadable(app, client, login, world):
    thread_id = ask(app, world)
    login("peer")
    response = client.post(f"/discussions/{thread_id}/repondre", data={
        "body": "Notre grille", "files": [(io.BytesIO(PDF_BYTES), "Grille d’observation.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    page = _text(client.get(f"/discussions/{thread_id}"))
    link = re.search(r'href="(/discussions/fichiers/\d+)"', page).group(1)
    assert "Grille d’observation.pdf" in page
    login("newcomer")
    download = client.get(link)
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    login("peer")
    refused = client.post(f"/discussions/{thread_id}/repondre", data={
        "body": "Un exécutable", "files": [(io.BytesIO(b"MZ\x90\x00"), "outil.exe")],
    }, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "« outil.exe » : Ce type de fichier n’est pas accepté." in _text(refused)
    assert "Un exécutable" in _text(refused)  # the text typed is still there
    assert thread_state(app, thread_id).last_number == 2


# --- Editing and deleting ---------------------------------------------------------------


def test_editing_keeps_the_history_and_shows_modified(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Première version")
    login("peer")
    form = _text(client.get(f"/discussions/messages/{post_id}/modifier", headers=HX))
    assert "<html" not in form and "Première version" in form
    response = client.post(f"/discussions/messages/{post_id}/modifier", headers=HX,
                           data={f"m{post_id}-body": "Deuxième version"})
    assert response.status_code == 200
    assert 'id="message-2"' in _text(response) and "Deuxième version" in _text(response)
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Deuxième version" in page and ">modifié<" in page
    history = _text(client.get(f"/discussions/messages/{post_id}/historique"))
    assert "Première version" in history and "Deuxième version" in history
    assert count(app, PostRevision) == 1
    login("tutor")  # someone else's post
    assert client.get(f"/discussions/messages/{post_id}/modifier").status_code == 403
    assert client.post(f"/discussions/messages/{post_id}/modifier",
                       data={f"m{post_id}-body": "Piraté"}).status_code == 403
    assert post_state(app, post_id).body_md == "Deuxième version"


def test_an_empty_edit_is_refused_and_the_post_kept(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Texte à garder")
    login("peer")
    response = client.post(f"/discussions/messages/{post_id}/modifier",
                           data={f"m{post_id}-body": " "})
    assert response.status_code == 422
    assert "Écrivez votre message" in _text(response)
    assert post_state(app, post_id).body_md == "Texte à garder"


def test_deleting_leaves_message_supprime_in_its_place(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Je retire ce que j’ai dit")
    answer(app, world, thread_id, role="employer", body="Une autre réponse")
    login("peer")
    response = client.post(f"/discussions/messages/{post_id}/supprimer")
    assert response.status_code == 303
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Message supprimé par son auteur·e." in page
    assert "Je retire ce que j’ai dit" not in page
    assert thread_state(app, thread_id).reply_count == 1
    assert client.post(f"/discussions/messages/{post_id}/supprimer").status_code == 403


def test_a_question_deleted_before_any_answer_leaves_the_lists(app, client, login, world):
    thread_id = ask(app, world, title="Question retirée")
    login("tutor")
    with app.app_context():
        from app.extensions import db

        question = db.session.get(Thread, thread_id).posts[0].id
    response = client.post(f"/discussions/messages/{question}/supprimer")
    assert response.headers["Location"].endswith("/discussions")
    login("peer")
    assert "Question retirée" not in _text(client.get("/discussions"))
    assert client.get(f"/discussions/{thread_id}").status_code == 404


# --- Thanks and the useful answer -------------------------------------------------------------


def test_thanks_once_per_person_toggle_and_count(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id)
    for role in ("tutor", "employer"):
        login(role)
        response = client.post(f"/discussions/messages/{post_id}/merci", headers=HX)
        assert response.status_code == 200 and "<html" not in _text(response)
        client.post(f"/discussions/messages/{post_id}/merci")  # a double click
    assert count(app, Thanks) == 2
    assert post_state(app, post_id).thanks_count == 2
    fragment = _text(client.post(f"/discussions/messages/{post_id}/merci", headers=HX,
                                 data={"action": "retirer"}))
    assert 'aria-pressed="false"' in fragment and "(1)" in fragment
    login("peer")  # one's own post
    assert client.post(f"/discussions/messages/{post_id}/merci").status_code == 403


def test_the_asker_marks_the_useful_answer_shown_under_the_question(app, client, login, world):
    thread_id = ask(app, world)
    first = answer(app, world, thread_id, body="Une piste")
    useful = answer(app, world, thread_id, role="employer", body="La réponse qui marche")
    login("peer")  # neither the asker nor a moderator
    assert client.post(f"/discussions/messages/{useful}/solution").status_code == 403
    login("tutor")
    response = client.post(f"/discussions/messages/{useful}/solution")
    assert response.status_code == 303
    page = _text(client.get(f"/discussions/{thread_id}"))
    box = page[page.index("✓ Réponse utile</h2>"):]
    assert "La réponse qui marche" in box[:box.index("</section>")]
    assert page.index("✓ Réponse utile</h2>") < page.index("Une piste")
    assert thread_state(app, thread_id).solution_post_id == useful
    login("trainer")  # a trainer may change it
    client.post(f"/discussions/messages/{first}/solution")
    assert thread_state(app, thread_id).solution_post_id == first
    client.post(f"/discussions/messages/{first}/solution", data={"action": "retirer"})
    assert thread_state(app, thread_id).solution_post_id is None


def test_the_question_itself_cannot_be_its_answer(app, client, login, world):
    thread_id = ask(app, world)
    with app.app_context():
        from app.extensions import db

        question = db.session.get(Thread, thread_id).posts[0].id
    login("tutor")
    assert client.post(f"/discussions/messages/{question}/solution").status_code == 403
    assert thread_state(app, thread_id).solution_post_id is None


# --- Lists, filters, unread markers --------------------------------------------------------------


def test_filters_unanswered_solved_and_mine(app, client, login, world):
    ask(app, world, role="peer", title="Sans réponse encore")
    solved = ask(app, world, role="employer", title="Déjà résolue")
    reply = answer(app, world, solved, role="peer")
    mine = ask(app, world, role="tutor", title="Ma question à moi")
    answer(app, world, mine, role="peer")
    login("employer")
    client.post(f"/discussions/messages/{reply}/solution")
    login("tutor")
    unanswered = _text(client.get("/discussions?filtre=sans-reponse"))
    assert "Sans réponse encore" in unanswered
    assert "Déjà résolue" not in unanswered and "Ma question à moi" not in unanswered
    done = _text(client.get("/discussions?filtre=resolues"))
    assert "Déjà résolue" in done and "Sans réponse encore" not in done
    own = _text(client.get("/discussions?filtre=mes-discussions"))
    assert "Ma question à moi" in own and "Déjà résolue" not in own
    fragment = client.get("/discussions?filtre=resolues", headers=HX)
    assert "<html" not in _text(fragment) and 'id="threads"' in _text(fragment)
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    assert 'aria-current="page">Résolues' in _text(fragment)


def test_in_a_category_pinned_then_solved_threads_come_first(app, client, login, world):
    from app.discussions import services
    from app.extensions import db
    from tests.discussions.conftest import user

    solved = ask(app, world, title="Résolue ancienne")
    reply = answer(app, world, solved)
    ask(app, world, title="Récente non résolue")
    pinned = ask(app, world, title="Épinglée par la formatrice")
    answer(app, world, solved, role="employer", body="relance")  # most recent activity
    with app.app_context():
        trainer = user(world.ids["trainer"])
        services.set_pinned(trainer, db.session.get(Thread, pinned), True)
        services.mark_solution(trainer, db.session.get(Thread, solved),
                               db.session.get(Post, reply))
    login("peer")
    page = _text(client.get("/discussions/categories/questions-de-tuteurs"))
    order = [page.index(t) for t in ("Épinglée par la formatrice", "Résolue ancienne",
                                     "Récente non résolue")]
    assert order == sorted(order)


def test_unread_markers_follow_what_the_person_read(app, client, login, world):
    thread_id = ask(app, world, title="Une question à lire")
    login("peer")
    listing = _text(client.get("/discussions"))
    assert "Nouvelle</span>" in listing
    client.get(f"/discussions/{thread_id}")
    assert "Nouvelle</span>" not in _text(client.get("/discussions"))
    answer(app, world, thread_id, role="employer")
    answer(app, world, thread_id, role="trainer")
    listing = _text(client.get("/discussions"))
    assert "2 nouveaux messages" in listing
    assert f"/discussions/{thread_id}?message=2#message-2" in listing


def test_following_and_watching_with_and_without_htmx(app, client, login, world):
    from app.discussions.models import CategoryWatch, Subscription

    thread_id = ask(app, world)
    login("peer")
    fragment = client.post(f"/discussions/{thread_id}/suivre", headers=HX)
    assert "<html" not in _text(fragment) and "Ne plus suivre" in _text(fragment)
    assert count(app, Subscription, Subscription.user_id == world.ids["peer"]) == 1
    client.post(f"/discussions/{thread_id}/suivre")  # twice: still one
    assert count(app, Subscription, Subscription.user_id == world.ids["peer"]) == 1
    response = client.post(f"/discussions/{thread_id}/suivre", data={"action": "arreter"})
    assert response.status_code == 303
    assert count(app, Subscription, Subscription.user_id == world.ids["peer"]) == 0
    fragment = client.post("/discussions/categories/formation/surveiller", headers=HX)
    assert "Ne plus surveiller" in _text(fragment)
    assert count(app, CategoryWatch) == 1
    client.post("/discussions/categories/formation/surveiller", data={"action": "arreter"})
    assert count(app, CategoryWatch) == 0


def test_the_asker_corrects_the_title_when_editing_the_question(app, client, login, world):
    thread_id = ask(app, world, title="Premeir week-end")
    with app.app_context():
        from app.extensions import db

        question = db.session.get(Thread, thread_id).posts[0].id
    login("tutor")
    form = _text(client.get(f"/discussions/messages/{question}/modifier"))
    assert "Titre de la discussion" in form and 'value="Premeir week-end"' in form
    empty = client.post(f"/discussions/messages/{question}/modifier",
                        data={f"m{question}-title": " ", f"m{question}-body": "Texte"})
    assert empty.status_code == 422 and "Donnez un titre à votre discussion." in _text(empty)
    response = client.post(f"/discussions/messages/{question}/modifier", data={
        f"m{question}-title": "Premier week-end", f"m{question}-body": "Comment faites-vous ?"})
    assert response.status_code == 303
    assert thread_state(app, thread_id).title == "Premier week-end"
    reply = answer(app, world, thread_id, role="tutor")
    assert "Titre de la discussion" not in _text(
        client.get(f"/discussions/messages/{reply}/modifier"))


# --- What a user test found ----------------------------------------------------------------


def test_history_is_for_the_author_and_moderators_who_may_erase_it(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Mme Dupont, chambre 12, refuse la toilette.")
    login("peer")
    client.post(f"/discussions/messages/{post_id}/modifier",
                data={f"m{post_id}-body": "Une résidente refuse la toilette."})
    login("employer")  # a reader sees that it changed, not what it said
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "modifié" in page and f"/discussions/messages/{post_id}/historique" not in page
    assert client.get(f"/discussions/messages/{post_id}/historique").status_code == 403
    login("trainer")
    assert "Mme Dupont" in _text(client.get(f"/discussions/messages/{post_id}/historique"))
    login("peer")
    history = _text(client.get(f"/discussions/messages/{post_id}/historique"))
    assert "Mme Dupont" in history and "Effacer les versions précédentes" in history
    client.post(f"/discussions/messages/{post_id}/historique/effacer")
    assert count(app, PostRevision) == 0
    assert "Mme Dupont" not in _text(client.get(f"/discussions/messages/{post_id}/historique"))
    login("trainer")
    assert client.post(f"/discussions/messages/{post_id}/historique/effacer").status_code == 403


def test_a_deleted_post_keeps_neither_text_nor_versions_nor_files(app, client, login, world):
    from app.discussions.models import PostFile
    from app.files import storage

    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Le nom de la résidente",
                     uploads=[pdf_upload()])
    login("peer")
    client.post(f"/discussions/messages/{post_id}/modifier",
                data={f"m{post_id}-body": "Un autre texte"})
    with app.app_context():
        from sqlalchemy import select

        from app.extensions import db

        key = db.session.scalar(select(PostFile.storage_key))
    client.post(f"/discussions/messages/{post_id}/supprimer")
    state = post_state(app, post_id)
    assert (state.body_md, state.body_html, state.revisions, state.files) == ("", "", [], [])
    with app.app_context():
        assert not storage().exists(key)
    login("trainer")  # moderators do not read it either
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Le nom de la résidente" not in page and "Un autre texte" not in page


def test_a_reply_to_a_thread_locked_meanwhile_gives_the_text_back(app, client, login, world):
    from app.discussions import services
    from app.extensions import db
    from tests.discussions.conftest import user

    thread_id = ask(app, world)
    with app.app_context():
        services.set_locked(user(world.ids["trainer"]), db.session.get(Thread, thread_id), True,
                            "Clos")
    login("peer")
    for headers in ({}, HX):
        response = client.post(f"/discussions/{thread_id}/repondre", headers=headers,
                               data={"body": "Ma longue réponse écrite avant"})
        assert response.status_code == 422
        page = _text(response)
        assert "Cette discussion est verrouillée" in page
        assert "Ma longue réponse écrite avant" in page


def test_an_edit_to_a_thread_locked_meanwhile_gives_the_text_back(app, client, login, world):
    from app.discussions import services
    from app.extensions import db
    from tests.discussions.conftest import user

    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, role="peer", body="Première version")
    login("peer")
    assert client.get(f"/discussions/messages/{post_id}/modifier").status_code == 200
    with app.app_context():
        services.set_locked(user(world.ids["trainer"]), db.session.get(Thread, thread_id), True,
                            "Clos")
    for headers in ({}, HX):
        response = client.post(f"/discussions/messages/{post_id}/modifier", headers=headers,
                               data={f"m{post_id}-body": "Ma version corrigée avec soin"})
        assert response.status_code == 422
        page = _text(response)
        assert "Cette discussion est verrouillée" in page
        assert "Ma version corrigée avec soin" in page
    assert post_state(app, post_id).body_md == "Première version"
    login("tutor")  # someone else's post: still refused
    assert client.post(f"/discussions/messages/{post_id}/modifier",
                       data={f"m{post_id}-body": "x"}).status_code == 403


def test_a_question_edited_in_a_thread_locked_meanwhile_gives_its_title_back(app, client,
                                                                            login, world):
    from app.discussions import services
    from app.extensions import db
    from tests.discussions.conftest import user

    thread_id = ask(app, world, role="tutor", title="Ancien titre")
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        question_id = thread.posts[0].id
        services.set_locked(user(world.ids["trainer"]), thread, True, "Clos")
    login("tutor")
    response = client.post(f"/discussions/messages/{question_id}/modifier", data={
        f"m{question_id}-title": "Un titre plus clair", f"m{question_id}-body": "Le texte"})
    assert response.status_code == 422
    page = _text(response)
    assert 'value="Un titre plus clair" readonly' in page and "Le texte" in page
    assert thread_state(app, thread_id).title == "Ancien titre"


def test_a_hidden_post_is_never_quoted(app, client, login, world):
    from app.discussions import services
    from app.extensions import db
    from tests.discussions.conftest import user

    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Texte masqué")
    with app.app_context():
        services.hide_post(user(world.ids["trainer"]), db.session.get(Post, post_id), "Non")
    login("employer")
    page = _text(client.get(f"/discussions/{thread_id}/repondre?citer={post_id}"))
    assert "Texte masqué" not in page and "Vous citez" not in page


def test_an_invisible_title_is_refused_and_nul_is_never_shown_back(app, client, login, world):
    login("tutor")
    response = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "\u200b\u200b\u2060", "body": "\u200b"})
    page = _text(response)
    assert response.status_code == 422
    assert "Donnez un titre à votre discussion." in page
    response = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "A\x00B", "body": " "})
    assert "\x00" not in response.get_data(as_text=True)
    assert count(app, Thread) == 0


def test_after_an_htmx_reply_the_follow_box_and_the_count_follow(app, client, login, world):
    thread_id = ask(app, world)
    login("peer")
    page = _text(client.post(f"/discussions/{thread_id}/repondre", headers=HX,
                             data={"body": "Première réponse", "shown_until": "1"}))
    assert 'id="follow" class="card" hx-swap-oob="true"' in page and "Ne plus suivre" in page
    assert 'id="thread_facts" class="card" hx-swap-oob="true"' in page
    assert "1 réponse." in page


def test_files_chosen_before_an_error_are_asked_again(app, client, login, world):
    thread_id = ask(app, world)
    login("peer")
    response = client.post(f"/discussions/{thread_id}/repondre", data={
        "body": " ", "files": [(io.BytesIO(PDF_BYTES), "Grille.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Les fichiers choisis n’ont pas été envoyés" in _text(response)
