"""Notifications: who gets one, the centre and its badge, e-mail preferences, digests."""

from datetime import timedelta
from typing import ClassVar

from sqlalchemy import select

from app.accounts.models import User, utcnow
from app.discussions import notifications as notifying
from app.discussions.models import EmailFrequency, Notification, Thread
from app.extensions import db
from tests import factories
from tests.conftest import counting_queries, outbox
from tests.discussions.conftest import (
    HX,
    answer,
    ask,
    count,
    notifications_of,
    user,
)


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _prefer(app, world, role: str, frequency: str) -> None:
    with app.app_context():
        notifying.set_frequency(user(world.ids[role]), frequency)


# --- Who is notified ---------------------------------------------------------------------


def test_followers_hear_of_replies_but_never_of_their_own(app, world):
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer")
    answer(app, world, thread_id, role="tutor", body="Merci !")
    assert [n.kind for n in notifications_of(app, world.ids["tutor"])] == ["reply"]
    assert [n.kind for n in notifications_of(app, world.ids["peer"])] == ["reply"]
    assert notifications_of(app, world.ids["employer"]) == []  # not following


def test_a_mention_notifies_once_instead_of_a_reply(app, world):
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer",
           body="@Karim Diallo et @Sophie Lambert, regardez. > @Nadia Benali\n\n"
                "> @Claire Martin dans une citation ne compte pas\n\n`@Léa Fontaine` non plus")
    assert [n.kind for n in notifications_of(app, world.ids["tutor"])] == ["mention"]
    assert [n.kind for n in notifications_of(app, world.ids["employer"])] == ["mention"]
    assert notifications_of(app, world.ids["admin"]) == []
    assert notifications_of(app, world.ids["newcomer"]) == []


def test_a_name_typed_without_its_accents_or_capitals_still_mentions_and_is_suggested(
        app, client, login, world):
    with app.app_context():
        helene = factories.make_user(db.session.get(User, world.ids["tutor"]).memberships[0]
                                     .organisation, "tutor", full_name="Hélène Écuyer").id
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer", body="Merci @helene ecuyer, et @ÉLODIE Personne.")
    assert [n.kind for n in notifications_of(app, helene)] == ["mention"]
    login("peer")
    for typed in ("hele", "HÉLÈ", "ecuy", "Écuyer"):
        assert "Hélène Écuyer" in _text(client.get(f"/discussions/mentions?q={typed}", headers=HX))
    assert "Hélène Écuyer" not in _text(client.get("/discussions/mentions?q=helena", headers=HX))


def test_two_names_that_differ_only_by_accents_are_never_mixed_up(app, world):
    from app.discussions.mentions import mentioned_users

    with app.app_context():
        ehpad = db.session.get(User, world.ids["tutor"]).memberships[0].organisation
        accented = factories.make_user(ehpad, "tutor", full_name="Hélène Roux").id
        plain = factories.make_user(ehpad, "tutor", full_name="Helene Roux").id

        def ids(text: str, exclude: int | None = None) -> list[int]:
            return [u.id for u in mentioned_users(text, exclude)]

        assert ids("@Helene Roux") == [plain]  # the exact spelling wins
        assert ids("@Hélène Roux") == [accented]
        assert ids("@helene roux") == [plain] and ids("@HÉLÈNE ROUX") == [accented]
        assert ids("@Helene Roux", exclude=accented) == [plain]
        assert ids("@Hèlene Roux") == []  # close to both: nobody rather than the wrong one


def test_a_mention_added_by_an_edit_notifies_only_the_new_name(app, world):
    from app.discussions import services
    from app.discussions.models import Post

    thread_id = ask(app, world, role="tutor")
    post_id = answer(app, world, thread_id, role="peer", body="Bonjour @Sophie Lambert")
    with app.app_context():
        services.edit_post(user(world.ids["peer"]), db.session.get(Post, post_id),
                           "Bonjour @Sophie Lambert et @Nadia Benali")
    assert len(notifications_of(app, world.ids["employer"], "mention")) == 1
    assert len(notifications_of(app, world.ids["trainer"], "mention")) == 1


def test_a_watched_category_tells_of_each_new_thread(app, client, login, world):
    login("peer")
    client.post("/discussions/categories/formation/surveiller")
    ask(app, world, role="tutor", category_slug="formation", title="Le module 3")
    ask(app, world, role="tutor", category_slug="outils-et-modeles", title="Ailleurs")
    found = notifications_of(app, world.ids["peer"])
    assert [n.kind for n in found] == ["new_thread"]
    page = _text(client.get("/notifications"))
    assert "Nouvelle discussion dans « Formation » : « Le module 3 »" in page


def test_inactive_accounts_are_not_notified(app, world):
    thread_id = ask(app, world, role="tutor")
    with app.app_context():
        user(world.ids["tutor"]).active = False
        db.session.commit()
    answer(app, world, thread_id, role="peer")
    assert notifications_of(app, world.ids["tutor"]) == []


def test_fan_out_takes_the_same_queries_for_3_or_30_followers(app, world):
    """No query per recipient: the statements of a reply do not grow with the followers."""
    from app.discussions.models import Subscription

    def statements_for(followers: int) -> int:
        with app.app_context():
            org = factories.make_organisation()
            asker = factories.make_user(org, "tutor", created_at=utcnow() - timedelta(days=30))
            thread = factories.make_thread(asker)
            for _ in range(followers):
                follower = factories.make_user(org, "tutor")
                db.session.add(Subscription(thread_id=thread.id, user_id=follower.id))
            db.session.commit()
            replier = factories.make_user(org, "tutor", created_at=utcnow() - timedelta(days=30))
            thread_id, replier_id = thread.id, replier.id
        with counting_queries(app) as statements, app.app_context():
            factories.make_reply(db.session.get(type(replier), replier_id),
                                 db.session.get(Thread, thread_id))
        with app.app_context():
            assert db.session.scalar(select(db.func.count(Notification.id)).where(
                Notification.thread_id == thread_id)) == followers + 1
        return len(statements)

    assert statements_for(3) == statements_for(30)


# --- The centre and the badge -------------------------------------------------------------


def test_the_badge_counts_unread_and_reading_the_thread_clears_it(app, client, login, world):
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer")
    answer(app, world, thread_id, role="employer")
    login("tutor")
    page = _text(client.get("/discussions"))
    assert 'class="badge badge--count">2<span class="visually-hidden"> non lues' in page
    badge = client.get("/notifications/badge", headers=HX)
    assert "<html" not in _text(badge) and ">2<" in _text(badge)
    assert 'hx-trigger="every 60s, notifications-changed from:body"' in _text(badge)
    client.get(f"/discussions/{thread_id}")
    assert "badge--count" not in _text(client.get("/notifications/badge", headers=HX))
    assert all(n.read_at for n in notifications_of(app, world.ids["tutor"]))


def test_an_htmx_page_that_reads_notifications_tells_the_badge_at_once(app, client, login,
                                                                       world):
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer")
    login("tutor")
    first = client.get(f"/discussions/{thread_id}?page=1", headers=HX)
    assert first.headers.get("HX-Trigger") == "notifications-changed"
    again = client.get(f"/discussions/{thread_id}?page=1", headers=HX)
    assert "HX-Trigger" not in again.headers  # nothing was read this time: no refresh
    answer(app, world, thread_id, role="employer")
    whole_page = client.get(f"/discussions/{thread_id}")  # reloaded anyway: no header
    assert "HX-Trigger" not in whole_page.headers and "badge--count" not in _text(whole_page)


def test_the_centre_lists_newest_first_and_marks_all_read(app, client, login, world):
    first = ask(app, world, role="tutor", title="Première question")
    second = ask(app, world, role="tutor", title="Seconde question")
    answer(app, world, first, role="peer")
    answer(app, world, second, role="peer")
    login("tutor")
    page = _text(client.get("/notifications"))
    assert page.index("« Seconde question »") < page.index("« Première question »")
    assert "Julie Perrin a répondu dans « Seconde question »" in page
    assert page.count("Non lue") == 2
    response = client.post("/notifications/tout-lu")
    assert response.status_code == 303
    assert "Non lue" not in _text(client.get("/notifications"))


def test_the_centre_gathers_the_replies_to_one_thread_on_one_line(app, client, login, world):
    thread_id = ask(app, world, role="tutor", title="Le premier week-end")
    for role in ("peer", "employer", "trainer", "peer"):
        answer(app, world, thread_id, role=role)
    answer(app, world, thread_id, role="employer", body="Voyez avec @Karim Diallo")
    login("tutor")
    page = _text(client.get("/notifications"))
    assert "Sophie Lambert vous a mentionné·e dans « Le premier week-end »" in page
    assert ("Julie Perrin, Nadia Benali et 1 autre personne ont répondu dans « Le premier "
            "week-end » (4 réponses)") in page
    assert page.count("Non lue") == 2  # two lines, not five
    assert f'href="/discussions/{thread_id}?message=2#message-2"' in page  # the first unread
    client.post("/notifications/tout-lu")
    answer(app, world, thread_id, role="peer")  # unread again: a line of its own
    page = _text(client.get("/notifications"))
    assert "Julie Perrin a répondu dans « Le premier week-end »" in page
    assert page.count("Non lue") == 1


def test_the_centre_page_query_count_does_not_grow(app, client, login, world):
    def queries(replies: int) -> int:
        thread_id = ask(app, world, role="tutor")
        for _ in range(replies):
            answer(app, world, thread_id, role="peer")
        login("tutor")
        with counting_queries(app) as statements:
            assert client.get("/notifications").status_code == 200
        client.post("/notifications/tout-lu")
        return len(statements)

    assert queries(2) == queries(12)


# --- E-mail -------------------------------------------------------------------------------


def test_immediate_mails_at_once_with_the_excerpt(app, client, login, world):
    login("tutor")
    response = client.post("/notifications/preferences", data={"email_frequency": "immediate"})
    assert response.status_code == 303
    thread_id = ask(app, world, role="tutor", title="Le week-end")
    answer(app, world, thread_id, role="peer", body="Un **binôme** joignable par téléphone.")
    mails = outbox(app)
    assert len(mails) == 1
    assert "Subject: Compagnon : Julie Perrin a répondu dans « Le week-end »" in mails[0]
    assert "Un binôme joignable par téléphone." in mails[0]
    assert f"http://127.0.0.1:5000/discussions/{thread_id}?message=2#message-2" in mails[0]
    assert notifications_of(app, world.ids["tutor"])[0].emailed_at is not None


def test_mails_quote_the_text_as_written_without_html_entities(app, client, login, world):
    login("tutor")
    client.post("/notifications/preferences", data={"email_frequency": "immediate"})
    thread_id = ask(app, world, role="tutor", title="Le week-end")
    answer(app, world, thread_id, role="peer", body="Soins & repas : <b>avant</b> 8 h")
    mail = outbox(app)[0]
    assert "« Soins & repas : <b>avant</b> 8 h »" in mail
    assert "&amp;" not in mail and "&lt;" not in mail


def test_a_forged_preference_is_refused_and_the_old_one_kept(app, client, login, world):
    login("tutor")
    response = client.post("/notifications/preferences", data={"email_frequency": "hourly"})
    assert response.status_code == 422
    assert "Choisissez une des possibilités." in _text(response)
    with app.app_context():
        assert notifying.frequency_of(user(world.ids["tutor"])) == "daily"
    client.post("/notifications/preferences", data={"email_frequency": "weekly"})
    page = _text(client.get("/notifications/preferences"))
    assert 'checked id="email_frequency-2" name="email_frequency" required type="radio" ' \
        in page


def test_the_daily_digest_is_sent_once_and_groups_by_thread(app, runner, world):
    thread_id = ask(app, world, role="tutor", title="Le premier week-end")
    answer(app, world, thread_id, role="peer", body="Un binôme.")
    answer(app, world, thread_id, role="employer", body="Une astreinte.")
    _prefer(app, world, "peer", "weekly")  # peer gets the employer's reply, weekly
    result = runner.invoke(args=["notifications", "digest", "--daily"])
    assert result.exit_code == 0, result.output
    assert "1 résumé envoyé." in result.output
    mails = outbox(app)
    assert len(mails) == 1 and "To: " in mails[0]
    assert "Subject: Compagnon : votre résumé du jour (2 notifications)" in mails[0]
    assert mails[0].count("« Le premier week-end »") >= 1
    assert "Julie Perrin a répondu" in mails[0] and "Sophie Lambert a répondu" in mails[0]
    again = runner.invoke(args=["notifications", "digest", "--daily"])
    assert "0 résumé envoyé." in again.output and len(outbox(app)) == 1
    weekly = runner.invoke(args=["notifications", "digest", "--weekly"])
    assert "1 résumé envoyé." in weekly.output
    assert "votre résumé de la semaine (1 notification)" in outbox(app)[1]
    assert "1 résumé envoyé." not in runner.invoke(
        args=["notifications", "digest", "--weekly"]).output


def test_digest_leaves_out_what_was_read_never_and_thanks(app, client, login, runner, world):
    thread_id = ask(app, world, role="tutor")
    post_id = answer(app, world, thread_id, role="peer")
    login("tutor")
    client.post(f"/discussions/messages/{post_id}/merci")  # a thanks for the peer
    client.get(f"/discussions/{thread_id}")  # the tutor read the reply
    _prefer(app, world, "employer", "never")
    assert runner.invoke(args=["notifications", "digest", "--daily"]).output.startswith("0 ")
    assert outbox(app) == []
    assert runner.invoke(args=["notifications", "digest"]).exit_code != 0  # --daily/--weekly
    both = runner.invoke(args=["notifications", "digest", "--daily", "--weekly"])
    assert both.exit_code == 2 and "l’un des deux" in both.output


def test_trainers_get_questions_unanswered_for_48_hours_once(app, runner, world):
    old = ask(app, world, role="tutor", title="Une vieille question")
    answered = ask(app, world, role="tutor", title="Une question répondue")
    answer(app, world, answered, role="peer")
    recent = ask(app, world, role="tutor", title="Une question récente")
    with app.app_context():
        for thread_id, hours in ((old, 60), (answered, 60), (recent, 10)):
            db.session.get(Thread, thread_id).created_at = utcnow() - timedelta(hours=hours)
        db.session.commit()
    runner.invoke(args=["notifications", "digest", "--daily"])
    waiting = notifications_of(app, world.ids["trainer"], "unanswered")
    assert [n.thread_id for n in waiting] == [old]
    mail = next(m for m in outbox(app) if "Questions sans réponse" in m)
    assert "Questions sans réponse depuis plus de 48 h" in mail and "Une vieille question" in mail
    runner.invoke(args=["notifications", "digest", "--daily"])
    assert len(notifications_of(app, world.ids["trainer"], "unanswered")) == 1
    assert count(app, Notification, Notification.kind == "unanswered") == 1  # trainers only


def test_a_mail_server_down_never_turns_a_reply_into_an_error(app, client, login, world,
                                                               monkeypatch):
    import smtplib

    from app.discussions import notifications as module

    def broken(*_args, **_kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    _prefer(app, world, "tutor", EmailFrequency.IMMEDIATE)
    thread_id = ask(app, world, role="tutor")
    monkeypatch.setattr(module, "send_mail", broken)
    login("peer")
    response = client.post(f"/discussions/{thread_id}/repondre", data={"body": "Réponse"})
    assert response.status_code == 303
    assert notifications_of(app, world.ids["tutor"])[0].emailed_at is None


class _FakeSMTP:
    """Stands for smtplib.SMTP: counts the connections and the messages sent."""

    opened: ClassVar[list["_FakeSMTP"]] = []

    def __init__(self, host, port):
        self.sent: list[list[str]] = []
        _FakeSMTP.opened.append(self)

    def set_debuglevel(self, level):
        pass

    def starttls(self):
        pass

    def sendmail(self, sender, recipients, message, *options):
        self.sent.append(recipients)

    def quit(self):
        pass


def _smtp(app, monkeypatch):
    import smtplib

    _FakeSMTP.opened = []
    monkeypatch.setattr(smtplib, "SMTP", _FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    monkeypatch.setattr(app.extensions["mail"], "server", "smtp.example.test")
    monkeypatch.setattr(app.extensions["mail"], "suppress", False)  # TESTING suppresses
    return _FakeSMTP


def test_a_digest_run_sends_every_mail_over_one_smtp_connection(app, runner, world,
                                                                monkeypatch):
    thread_id = ask(app, world, role="tutor", title="Le premier week-end")
    answer(app, world, thread_id, role="peer")
    answer(app, world, thread_id, role="employer")
    answer(app, world, thread_id, role="newcomer")
    smtp = _smtp(app, monkeypatch)
    result = runner.invoke(args=["notifications", "digest", "--daily"])
    assert "3 résumés envoyés." in result.output, result.output
    assert len(smtp.opened) == 1
    assert len(smtp.opened[0].sent) == 3


def test_an_unreachable_server_is_tried_once_per_run_and_the_digests_wait(app, runner, world,
                                                                        monkeypatch):
    thread_id = ask(app, world, role="tutor")
    answer(app, world, thread_id, role="peer")
    answer(app, world, thread_id, role="employer")
    attempts = []

    class Refusing(_FakeSMTP):
        def __init__(self, host, port):
            attempts.append(host)
            raise ConnectionRefusedError("no server")

    import smtplib

    smtp = _smtp(app, monkeypatch)
    monkeypatch.setattr(smtplib, "SMTP", Refusing)
    result = runner.invoke(args=["notifications", "digest", "--daily"])
    assert result.exit_code == 0 and "0 résumé envoyé." in result.output
    assert attempts == ["smtp.example.test"]  # one timeout, not one per person
    assert all(n.emailed_at is None for n in notifications_of(app, world.ids["tutor"]))
    monkeypatch.setattr(smtplib, "SMTP", smtp)  # the server is back: the next run sends
    assert "2 résumés envoyés." in runner.invoke(
        args=["notifications", "digest", "--daily"]).output
