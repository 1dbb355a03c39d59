"""The contract's private thread: read and written by whoever may read the contract,
nobody else — on the contract's page, on the thread's pages, in notifications, in the
search; every read and message in the contract's audit log; erased by the purge."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import utcnow
from app.discussions.models import Notification, Thread
from app.extensions import db
from app.onboarding.models import AuditEntry, Contract
from tests.conftest import outbox
from tests.onboarding.conftest import HX, PRINCIPALS, VIEWERS


def _thread_id(app, world) -> int:
    with app.app_context():
        return db.session.scalar(select(Thread.id).where(
            Thread.private_key == f"contract:{world.contract}"))


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def _write(client, thread_id, body, **headers):
    return client.post(f"/discussions/{thread_id}/repondre", data={"body": body},
                       headers=headers)


def test_the_thread_is_opened_with_the_contract_and_named_after_the_newcomer(app, world):
    with app.app_context():
        thread = db.session.get(Thread, _thread_id(app, world))
        assert thread.is_private and thread.category_id is None
        assert thread.title == "Accompagnement de Léa F."


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_those_who_see_the_contract_read_and_write_its_thread(app, client, login, world,
                                                                    principal):
    thread_id = _thread_id(app, world)
    login("tutor")
    assert _write(client, thread_id, "Premier message du fil").status_code == 303
    login(principal)
    page = client.get(f"/discussions/{thread_id}")
    reply = _write(client, thread_id, f"Message de {principal}")
    contract_page = client.get(f"/contrats/{world.ref}")
    if principal == "anonymous":
        assert page.status_code == 302 and reply.status_code == 302
    elif principal in VIEWERS:
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert "Premier message du fil" in _text(page)
        assert reply.status_code == 303
        assert "Premier message du fil" in _text(contract_page)
        assert 'id="fil-prive"' in _text(contract_page)
    else:
        assert page.status_code == 404 and reply.status_code == 404
        assert "Premier message du fil" not in _text(page)
        with app.app_context():
            assert db.session.get(Thread, thread_id).last_number == 1


def test_notifications_go_to_the_parties_and_nobody_else(app, client, login, world):
    thread_id = _thread_id(app, world)
    login("tutor")
    _write(client, thread_id, "Point d’étape : @Fatou Ndiaye et @Julie Perrin, "
                              "pouvez-vous regarder ?")
    with app.app_context():
        reached = set(db.session.scalars(select(Notification.user_id)))
    assert world.ids["referent"] in reached
    assert world.ids["foreign_tutor"] not in reached  # mentioned, but outside the contract
    login("referent")
    _write(client, thread_id, "C’est vu.")
    with app.app_context():
        reached = {n.user_id for n in db.session.scalars(
            select(Notification).where(Notification.kind == "reply"))}
    # Every message is for all the contract's people, not only those who wrote before.
    assert reached == {world.ids["tutor"], world.ids["employer"], world.ids["newcomer"]}


def test_e_mails_about_it_never_quote_it(app, client, login, world):
    from app.accounts.models import User
    from app.discussions.notifications import set_frequency

    with app.app_context():
        set_frequency(db.session.get(User, world.ids["referent"]), "immediate")
    login("tutor")
    _write(client, _thread_id(app, world), "@Fatou Ndiaye Léa a pleuré ce matin.")
    mails = outbox(app)
    assert len(mails) == 1 and "Accompagnement de Léa F." in mails[0]
    assert "pleuré" not in mails[0]


def test_reads_and_messages_are_in_the_contract_audit_log(app, client, login, world):
    thread_id = _thread_id(app, world)
    login("tutor")
    _write(client, thread_id, "Un message")
    login("referent")
    client.get(f"/discussions/{thread_id}")
    with app.app_context():
        entries = [(e.user_id, e.action, e.detail) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.contract_id == world.contract)
            .order_by(AuditEntry.id))]
    assert (world.ids["tutor"], "change", "Message n° 1 écrit dans le fil privé") in entries
    assert (world.ids["referent"], "read", "Fil privé consulté") in entries
    login("employer")
    journal = _text(client.get(f"/contrats/{world.ref}/journal"))
    assert "Message n° 1 écrit dans le fil privé" in journal


def test_the_contract_page_marks_the_thread_read(app, client, login, world):
    login("tutor")
    _write(client, _thread_id(app, world), "À lire, @Fatou Ndiaye")
    login("referent")
    assert 'badge--count' in _text(client.get("/contrats"))
    client.get(f"/contrats/{world.ref}")
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at).where(
            Notification.user_id == world.ids["referent"])) is not None


def test_an_htmx_reply_on_the_contract_page_appends_and_a_plain_one_comes_back(app, client,
                                                                               login, world):
    thread_id = _thread_id(app, world)
    login("employer")
    fragment = client.post(f"/discussions/{thread_id}/repondre", headers=HX, data={
        "body": "Formation inscrite au plan.", "shown_until": "0", "embedded": "1"})
    page = _text(fragment)
    assert 'hx-swap-oob="beforeend:#messages"' in page and "Formation inscrite" in page
    assert '<p id="no-messages" hx-swap-oob="delete"></p>' in page  # « Aucun message » goes
    assert 'id="follow"' not in page  # no such box on the contract's page
    assert 'name="embedded" type="hidden" value="1"' in page
    plain = client.post(f"/discussions/{thread_id}/repondre", data={
        "body": "Sans JavaScript.", "shown_until": "1", "embedded": "1"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/contrats/{world.ref}#fil-prive")


def test_never_in_lists_search_or_toolbox(app, client, login, world):
    import io

    from tests.factories import PDF_BYTES

    thread_id = _thread_id(app, world)
    login("tutor")
    client.post(f"/discussions/{thread_id}/repondre", data={
        "body": "Bilan confidentiel zorglub", "files": [(io.BytesIO(PDF_BYTES), "Bilan.pdf")]},
        content_type="multipart/form-data")
    for principal in ("tutor", "employer", "admin"):
        login(principal)
        assert "Accompagnement de Léa F." not in _text(client.get("/discussions"))
        assert "0 résultat" in _text(client.get("/recherche?q=zorglub"))
        assert "Bilan.pdf" not in _text(client.get("/outils"))


def test_renaming_the_newcomer_renames_the_thread(app, client, login, world):
    from app.accounts.models import User
    from app.onboarding import services

    with app.app_context():
        contract = db.session.get(Contract, world.contract)
        services.save_identity(db.session.get(User, world.ids["employer"]), contract,
                               services.Identity(newcomer_name="Inès Martin", newcomer_email="",
                                                 job=contract.job, job_title="",
                                                 contract_type=contract.contract_type))
        assert db.session.get(Thread, _thread_id(app, world)).title == "Accompagnement d’Inès M."


def test_the_purge_erases_the_thread_with_the_names(app, client, login, world, runner):
    import io

    from app.files import storage
    from app.onboarding.models import ContractStatus
    from tests.factories import PDF_BYTES

    thread_id = _thread_id(app, world)
    login("tutor")
    client.post(f"/discussions/{thread_id}/repondre", data={
        "body": "Léa Fontaine a trouvé un logement", "files": [(io.BytesIO(PDF_BYTES), "x.pdf")]},
        content_type="multipart/form-data")
    with app.app_context():
        from app.discussions.models import PostFile

        key = db.session.scalar(select(PostFile.storage_key))
        contract = db.session.get(Contract, world.contract)
        contract.status = ContractStatus.COMPLETED
        contract.closed_on = utcnow().date() - timedelta(days=800)
        db.session.commit()
    result = runner.invoke(args=["contracts", "purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Thread, thread_id) is None
        assert not storage().exists(key)
    assert re.search(r"1 contrat", result.output)
