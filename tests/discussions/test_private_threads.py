"""Private threads, tested with a stand-in subject (the onboarding contracts register the
real one): only the subject's audience reads them, anywhere — pages, posts, files,
history, lists, search, the toolbox, notifications and e-mails."""

import io
import re

import pytest

from app.discussions import services, subjects
from app.discussions.models import Thread
from app.extensions import db
from tests import factories
from tests.conftest import outbox
from tests.discussions.conftest import HX, notifications_of, user
from tests.factories import PDF_BYTES

# The stand-in: record 7 is readable by the people in this set.
PARTIES: set[int] = set()


@pytest.fixture
def private(app, world):
    """A registered stand-in subject whose audience is the tutor, the employer and the
    admin; returns the private thread's id."""
    PARTIES.clear()
    PARTIES.update({world.ids["tutor"], world.ids["employer"], world.ids["admin"]})
    subjects.register_private_subject("essai", subjects.PrivateSubject(
        label="Dossier d’essai",
        can_view=lambda person, subject_id: subject_id == 7 and person.id in PARTIES,
        audience=lambda subject_id: set(PARTIES) if subject_id == 7 else set(),
        link=lambda subject_id: ("Dossier d’essai n° 7", "/"),
    ))
    with app.app_context():
        thread_id = services.open_private_thread("essai", 7, "Suivi de Léa F.").id
    yield thread_id
    subjects.unregister_private_subject("essai")


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _post(client, thread_id, body, **extra):
    return client.post(f"/discussions/{thread_id}/repondre", data={"body": body, **extra},
                       content_type="multipart/form-data")


def test_the_audience_reads_and_writes_the_private_thread(app, client, login, world, private):
    login("tutor")
    page = _text(client.get(f"/discussions/{private}"))
    assert "Suivi de Léa F." in page and "Fil privé" in page
    assert 'hx-history="false"' in page
    assert client.get(f"/discussions/{private}").headers["Cache-Control"] == "no-store"
    assert _post(client, private, "Rencontre du premier mois fixée.").status_code == 303
    login("employer")
    assert "Rencontre du premier mois fixée." in _text(client.get(f"/discussions/{private}"))
    # Opening it again changes nothing: one private thread per subject.
    with app.app_context():
        assert services.open_private_thread("essai", 7, "Autre titre").id == private


@pytest.mark.parametrize("role", ["peer", "trainer", "newcomer"])
def test_outsiders_get_404_everywhere(app, client, login, world, private, role):
    login("tutor")
    _post(client, private, "Un message privé avec @Julie Perrin",
          files=[(io.BytesIO(PDF_BYTES), "Bilan.pdf")])
    page = _text(client.get(f"/discussions/{private}"))
    file_url = re.search(r'href="(/discussions/fichiers/\d+)"', page).group(1)
    with app.app_context():
        post_id = db.session.get(Thread, private).posts[0].id
    login(role)
    for url in (f"/discussions/{private}", f"/discussions/{private}?page=1",
                f"/discussions/{private}/repondre", f"/discussions/messages/{post_id}",
                f"/discussions/messages/{post_id}/historique",
                f"/discussions/messages/{post_id}/modifier",
                f"/discussions/messages/{post_id}/signaler", file_url,
                f"/discussions/mentions?q=Kar&fil={private}"):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        response.close()
    for url in (f"/discussions/{private}/repondre", f"/discussions/messages/{post_id}/merci",
                f"/discussions/messages/{post_id}/supprimer", f"/discussions/{private}/suivre",
                f"/discussions/messages/{post_id}/masquer", f"/discussions/{private}/verrouiller"):
        assert client.post(url, data={"body": "intrus", "reason": "x"}).status_code == 404, url
    assert "Suivi de Léa F." not in _text(client.get("/discussions"))
    assert "Suivi de Léa F." not in _text(client.get("/discussions?filtre=mes-discussions"))
    assert "Bilan.pdf" not in _text(client.get("/outils"))
    search = _text(client.get("/recherche?q=message+privé"))
    assert "Suivi de Léa F." not in search and "Bilan.pdf" not in search


def test_notifications_reach_only_the_audience(app, client, login, world, private):
    login("tutor")
    client.post(f"/discussions/{private}/suivre")
    login("employer")
    _post(client, private, "Point fait avec @Karim Diallo et @Julie Perrin et @Nadia Benali")
    assert [n.kind for n in notifications_of(app, world.ids["tutor"])] == ["mention"]
    assert notifications_of(app, world.ids["peer"]) == []  # outside: mention ignored
    assert notifications_of(app, world.ids["trainer"]) == []
    # Someone who left the audience stops hearing of it.
    PARTIES.discard(world.ids["tutor"])
    _post(client, private, "Suite")
    assert len(notifications_of(app, world.ids["tutor"])) == 1
    login("tutor")
    assert client.get(f"/discussions/{private}").status_code == 404


def test_private_mails_never_quote_the_thread(app, client, login, world, private):
    from app.discussions.notifications import set_frequency

    with app.app_context():
        set_frequency(user(world.ids["employer"]), "immediate")
    login("tutor")
    _post(client, private, "@Sophie Lambert : elle a repris confiance, détails ci-dessous")
    mails = outbox(app)
    assert len(mails) == 1
    assert "vous a mentionné·e dans « Suivi de Léa F. »" in mails[0]
    assert "elle a repris confiance" not in mails[0]


def test_mention_suggestions_in_a_private_thread_offer_only_its_audience(app, client, login,
                                                                          world, private):
    login("tutor")
    assert _text(client.get("/discussions/mentions?q=e", headers=HX)).strip() == ""  # 2 letters
    public = _text(client.get("/discussions/mentions?q=Perrin", headers=HX))
    assert "Julie Perrin" in public
    private_list = _text(client.get(f"/discussions/mentions?q=Perrin&fil={private}",
                                    headers=HX))
    assert "Julie Perrin" not in private_list and "Personne ne porte ce nom." in private_list
    assert "Sophie Lambert" in _text(client.get(f"/discussions/mentions?q=Lamb&fil={private}"))


def test_admins_moderate_a_private_thread_but_trainers_cannot_see_it(app, client, login, world,
                                                                      private):
    login("tutor")
    _post(client, private, "Un message")
    with app.app_context():
        post_id = db.session.get(Thread, private).posts[0].id
    login("employer")
    client.post(f"/discussions/messages/{post_id}/signaler", data={"reason": "inapproprie"})
    login("trainer")
    assert "Un message" not in _text(client.get("/discussions/moderation"))
    login("admin")
    assert "Un message" in _text(client.get("/discussions/moderation"))
    assert client.post(f"/discussions/messages/{post_id}/masquer",
                       data={"reason": "Donnée de santé"}).status_code == 303


def test_a_private_thread_is_never_indexed(app, world, private):
    from app.search.documents import load

    with app.app_context():
        thread = db.session.get(Thread, private)
        factories.make_reply(user(world.ids["tutor"]), thread, "Texte confidentiel")
        documents = load(db.session, [f"discussion:{private}"])
        assert documents == {f"discussion:{private}": None}


def test_erasing_a_private_thread_removes_its_posts_and_files(app, client, login, world,
                                                              private):
    from app.files import storage

    login("tutor")
    _post(client, private, "À effacer", files=[(io.BytesIO(PDF_BYTES), "Bilan.pdf")])
    with app.app_context():
        keys = services.erase_private_thread("essai", 7)
        db.session.commit()
        for key in keys:
            storage().delete(key)
        assert db.session.get(Thread, private) is None
        assert len(keys) == 1
        assert services.find_private_thread("essai", 7) is None
