"""Moderation: reports and their queue, hiding and restoring, locking, pinning, moving,
the log, and the rate limit of new accounts."""

from datetime import timedelta

from app.accounts.models import utcnow
from app.discussions.models import ModerationAction, Report, Thread
from app.extensions import db
from tests import factories
from tests.discussions.conftest import (
    answer,
    ask,
    count,
    notifications_of,
    post_state,
    thread_state,
    user,
)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _question(app, thread_id: int) -> int:
    with app.app_context():
        return db.session.get(Thread, thread_id).posts[0].id


def test_a_report_reaches_the_queue_of_trainers_and_admins(app, client, login, world):
    thread_id = ask(app, world, title="Un sujet")
    post_id = answer(app, world, thread_id, body="Mme Dupont, chambre 12, a encore refusé.")
    login("tutor")
    form = _text(client.get(f"/discussions/messages/{post_id}/signaler"))
    assert "Pourquoi signalez-vous ce message ?" in form
    response = client.post(f"/discussions/messages/{post_id}/signaler",
                           data={"reason": "donnees-personnelles", "comment": "Un nom"})
    assert response.status_code == 303
    again = client.post(f"/discussions/messages/{post_id}/signaler",
                        data={"reason": "autre", "comment": "encore"})
    assert again.status_code == 422 and "Vous avez déjà signalé ce message" in _text(again)
    assert count(app, Report) == 1
    for role in ("trainer", "admin"):
        login(role)
        queue = _text(client.get("/discussions/moderation"))
        assert "Mme Dupont, chambre 12" in queue
        assert "Données personnelles sur une personne accompagnée" in queue
        assert "Karim Diallo" in queue  # who reported, for moderators only
    login("peer")  # the author never learns who reported
    assert client.get("/discussions/moderation").status_code == 403
    assert notifications_of(app, world.ids["peer"], "moderation") == []


def test_a_report_needs_a_known_reason_and_details_for_other(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id)
    login("tutor")
    forged = client.post(f"/discussions/messages/{post_id}/signaler", data={"reason": "xss"})
    assert forged.status_code == 422 and "Choisissez une raison dans la liste." in _text(forged)
    other = client.post(f"/discussions/messages/{post_id}/signaler", data={"reason": "autre"})
    assert other.status_code == 422 and "Précisez la raison du signalement." in _text(other)
    login("peer")  # one's own post
    assert client.get(f"/discussions/messages/{post_id}/signaler").status_code == 403
    assert count(app, Report) == 0


def test_hiding_needs_a_reason_tells_the_author_and_closes_reports(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Un message déplacé")
    login("tutor")
    client.post(f"/discussions/messages/{post_id}/signaler", data={"reason": "inapproprie"})
    login("trainer")
    empty = client.post(f"/discussions/messages/{post_id}/masquer", data={"reason": " "})
    assert empty.status_code == 422
    assert "Indiquez la raison : la personne concernée la recevra." in _text(empty)
    assert post_state(app, post_id).hidden_at is None
    response = client.post(f"/discussions/messages/{post_id}/masquer",
                           data={"reason": "Propos blessants.", "retour": "moderation"})
    assert response.headers["Location"].endswith("/discussions/moderation")
    assert "Aucun message signalé" in _text(client.get("/discussions/moderation"))
    told = notifications_of(app, world.ids["peer"], "moderation")
    assert "a été masqué par la modération. Raison : Propos blessants." in told[0].message
    login("employer")  # a reader
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Message masqué par la modération." in page and "Un message déplacé" not in page
    login("peer")  # the author sees why, and the text
    page = _text(client.get(f"/discussions/{thread_id}"))
    assert "Propos blessants." in page and "Un message déplacé" in page
    assert thread_state(app, thread_id).reply_count == 0
    with app.app_context():
        log = db.session.query(ModerationAction).one()
        assert (log.action, log.reason, log.actor_id) == ("hide", "Propos blessants.",
                                                           world.ids["trainer"])


def test_restoring_shows_the_post_again_and_is_logged(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Finalement correct")
    login("trainer")
    client.post(f"/discussions/messages/{post_id}/masquer", data={"reason": "Doute"})
    page = _text(client.get(f"/discussions/messages/{post_id}/retablir"))
    assert "Rétablir un message" in page and "Raison du masquage : Doute" in page
    too_long = client.post(f"/discussions/messages/{post_id}/retablir",
                           data={"reason": "x" * 1001})
    assert too_long.status_code == 422
    assert 'id="reason-erreur"' in _text(too_long) and "1 000 caractères au plus." in \
        _text(too_long)
    assert post_state(app, post_id).hidden_at is not None
    response = client.post(f"/discussions/messages/{post_id}/retablir",
                           data={"reason": "Vérifié avec l’équipe : rien à redire."})
    assert response.status_code == 303
    told = notifications_of(app, world.ids["peer"], "moderation")
    assert told[-1].message.endswith("est de nouveau visible. Raison : Vérifié avec l’équipe : "
                                    "rien à redire.")
    login("employer")
    assert "Finalement correct" in _text(client.get(f"/discussions/{thread_id}"))
    assert count(app, ModerationAction) == 2
    login("trainer")
    log = _text(client.get("/discussions/moderation/journal"))
    assert "Message masqué" in log and "Message rétabli" in log and "Doute" in log


def test_the_moderator_is_told_whether_the_author_was_told(app, client, login, world):
    thread_id = ask(app, world)
    own = answer(app, world, thread_id, role="trainer", body="Mon propre message")
    login("trainer")
    hidden = _text(client.post(f"/discussions/messages/{own}/masquer",
                               data={"reason": "Doublon"}, follow_redirects=True))
    assert "Message masqué." in hidden and "a reçu la raison" not in hidden
    page = _text(client.get(f"/discussions/messages/{own}/retablir"))
    assert "en sera prévenu·e" not in page  # one's own message: nobody to tell
    restored = _text(client.post(f"/discussions/messages/{own}/retablir", data={},
                                 follow_redirects=True))
    assert "Message rétabli." in restored and "prévenu·e" not in restored
    other = answer(app, world, thread_id, role="peer")
    client.post(f"/discussions/messages/{other}/masquer", data={"reason": "Doute"})
    assert "en sera prévenu·e" in _text(client.get(f"/discussions/messages/{other}/retablir"))


def test_a_long_reason_reaches_the_author_whole_and_the_subject_stays_short(app, client,
                                                                            login, world):
    from app.discussions import notifications as notifying

    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, role="peer")
    with app.app_context():
        notifying.set_frequency(user(world.ids["peer"]), "immediate")
    reason = "Propos à reformuler. " * 45  # about 950 characters
    login("trainer")
    client.post(f"/discussions/messages/{post_id}/masquer", data={"reason": reason})
    told = notifications_of(app, world.ids["peer"], "moderation")[-1]
    assert told.message.endswith(reason.strip())
    from tests.conftest import outbox

    mail = outbox(app)[-1]
    subject = next(line for line in mail.splitlines() if line.startswith("Subject:"))
    assert "décision de la modération dans" in subject and "reformuler" not in subject
    assert "Propos à reformuler." in mail


def test_hiding_the_question_takes_the_thread_out_of_the_lists(app, client, login, world):
    thread_id = ask(app, world, title="Publicité déguisée")
    login("admin")
    client.post(f"/discussions/messages/{_question(app, thread_id)}/masquer",
                data={"reason": "Publicité"})
    login("peer")
    assert "Publicité déguisée" not in _text(client.get("/discussions"))
    assert client.get(f"/discussions/{thread_id}").status_code == 404
    login("tutor")  # its author still reaches it, to read the reason
    assert "Publicité" in _text(client.get(f"/discussions/{thread_id}"))


def test_dismissing_closes_reports_without_hiding(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id, body="Rien de grave")
    login("tutor")
    client.post(f"/discussions/messages/{post_id}/signaler", data={"reason": "hors-sujet"})
    login("trainer")
    client.post(f"/discussions/messages/{post_id}/classer", data={"retour": "moderation"})
    with app.app_context():
        report = db.session.query(Report).one()
        assert report.resolution == "dismissed" and report.resolved_by_id == world.ids["trainer"]
    assert post_state(app, post_id).hidden_at is None


def test_lock_needs_a_reason_and_unlock_reopens(app, client, login, world):
    thread_id = ask(app, world)
    login("trainer")
    empty = client.post(f"/discussions/{thread_id}/verrouiller", data={"reason": ""})
    assert empty.status_code == 422 and not thread_state(app, thread_id).locked
    client.post(f"/discussions/{thread_id}/verrouiller", data={"reason": "Débat clos."})
    assert thread_state(app, thread_id).locked
    told = notifications_of(app, world.ids["tutor"], "moderation")
    assert "est verrouillée. Raison : Débat clos." in told[0].message
    assert "Rouvrir aux réponses" in _text(client.get(f"/discussions/{thread_id}"))
    client.post(f"/discussions/{thread_id}/verrouiller", data={"reason": ""})
    assert not thread_state(app, thread_id).locked


def test_move_to_another_category_tells_the_author(app, client, login, world):
    thread_id = ask(app, world, title="Un outil, pas une question")
    login("trainer")
    page = _text(client.get(f"/discussions/{thread_id}/deplacer"))
    assert "Nouvelle catégorie" in page
    same = client.post(f"/discussions/{thread_id}/deplacer", data={"category_id": "1"})
    assert same.status_code == 422 and "déjà dans cette catégorie" in _text(same)
    forged = client.post(f"/discussions/{thread_id}/deplacer", data={"category_id": "777"})
    assert forged.status_code == 422
    response = client.post(f"/discussions/{thread_id}/deplacer",
                           data={"category_id": "2", "reason": "Mieux rangée ici"})
    assert response.status_code == 303
    assert thread_state(app, thread_id).category.slug == "outils-et-modeles"
    told = notifications_of(app, world.ids["tutor"], "moderation")
    assert "déplacée dans « Outils et modèles ». Raison : Mieux rangée ici" in told[0].message
    log = _text(client.get("/discussions/moderation/journal"))
    assert "de « Questions de tuteurs » vers « Outils et modèles »" in log


def test_pin_puts_the_thread_first_of_its_category(app, client, login, world):
    pinned = ask(app, world, title="La charte")
    ask(app, world, title="Une question plus récente")
    login("trainer")
    client.post(f"/discussions/{pinned}/epingler")
    page = _text(client.get("/discussions/categories/questions-de-tuteurs"))
    assert page.index("La charte") < page.index("Une question plus récente")
    client.post(f"/discussions/{pinned}/epingler", data={"action": "retirer"})
    assert not thread_state(app, pinned).pinned


def test_moderation_routes_refuse_everyone_else(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id)
    for role in ("tutor", "peer", "employer", "newcomer"):
        login(role)
        assert client.post(f"/discussions/messages/{post_id}/masquer",
                           data={"reason": "x"}).status_code == 403
        assert client.post(f"/discussions/{thread_id}/verrouiller",
                           data={"reason": "x"}).status_code == 403
        assert client.post(f"/discussions/{thread_id}/epingler").status_code == 403
    assert post_state(app, post_id).hidden_at is None and count(app, ModerationAction) == 0


# --- Rate limit -----------------------------------------------------------------------------


def test_a_new_account_posts_at_most_5_messages_in_10_minutes(app, client, auth, world):
    thread_id = ask(app, world)
    with app.app_context():
        newcomer = factories.make_user(factories.make_organisation(), "tutor")  # created now
        key = newcomer.get_id()
    auth.as_session(key)
    for n in range(5):
        assert client.post(f"/discussions/{thread_id}/repondre",
                           data={"body": f"Message {n}"}).status_code == 303
    refused = client.post(f"/discussions/{thread_id}/repondre",
                          data={"body": "Le sixième, que je ne veux pas perdre"})
    page = _text(refused)
    assert refused.status_code == 422
    assert "Vous avez publié 5 messages en moins de 10 minutes" in page
    assert "comptes créés depuis moins de 7 jours" in page
    assert "Le sixième, que je ne veux pas perdre" in page
    new_thread = client.post("/discussions/nouvelle", data={
        "category_id": "1", "title": "Encore", "body": "Un autre sujet"})
    assert new_thread.status_code == 422
    assert thread_state(app, thread_id).last_number == 6


def test_older_accounts_and_moderators_are_not_limited(app, world):
    thread_id = ask(app, world)
    for _ in range(7):
        answer(app, world, thread_id, role="peer")  # a member for 90 days
    with app.app_context():
        trainer = factories.make_user(factories.make_organisation(kind="training_body"),
                                      "trainer")
        thread = db.session.get(Thread, thread_id)
        for _ in range(7):
            factories.make_reply(trainer, thread)
    assert thread_state(app, thread_id).last_number == 15


def test_the_limit_frees_up_as_minutes_pass(app, world):
    from app.discussions import services
    from app.discussions.models import Post

    thread_id = ask(app, world)
    with app.app_context():
        recent = factories.make_user(factories.make_organisation(), "tutor")
        thread = db.session.get(Thread, thread_id)
        posts = [factories.make_reply(recent, thread) for _ in range(5)]
        for post in posts:  # written 11 minutes ago
            db.session.get(Post, post.id).created_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
        services.reply(recent, db.session.get(Thread, thread_id), "Possible à nouveau")
        assert user(recent.id) is not None


def test_a_forged_overlong_reason_is_refused_without_an_error_page(app, client, login, world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id)
    login("tutor")
    client.post(f"/discussions/messages/{post_id}/signaler", data={"reason": "hors-sujet"})
    login("trainer")
    response = client.post(f"/discussions/messages/{post_id}/classer",
                           data={"reason": "a" * 1001}, follow_redirects=True)
    assert response.status_code == 200 and "1000 caractères au plus." in _text(response)
    response = client.post(f"/discussions/messages/{post_id}/retablir",
                           data={"reason": "a" * 1001})
    assert response.status_code == 422 and "1 000 caractères au plus." in _text(response)
    assert count(app, Report, Report.resolved_at.is_(None)) == 1


def test_notifications_of_a_thread_taken_out_of_the_lists_are_set_read(app, client, login,
                                                                       world):
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer", body="Merci @Sophie Lambert")
    login("trainer")
    client.post(f"/discussions/messages/{_question(app, thread_id)}/masquer",
                data={"reason": "Hors charte"})
    assert all(n.read_at for n in notifications_of(app, world.ids["employer"]))
    unread = [n for n in notifications_of(app, world.ids["tutor"]) if n.read_at is None]
    assert {n.kind for n in unread} == {"reply", "moderation"}  # its author still reaches it


def test_the_error_summary_links_to_the_first_choice_of_a_radio_group(app, client, login,
                                                                      world):
    thread_id = ask(app, world)
    post_id = answer(app, world, thread_id)
    login("tutor")
    page = _text(client.post(f"/discussions/messages/{post_id}/signaler", data={}))
    assert '<a href="#reason-0">Pourquoi signalez-vous ce message ?</a>' in page
    assert 'id="reason-0"' in page
