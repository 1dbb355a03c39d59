"""Every route × every role. Generated from url_map: a new route without an entry fails."""

import pytest

from app import create_app
from tests import factories
from tests.conftest import Auth, build_snapshot, drop_snapshot
from tests.onboarding import factories as onboarding_factories

ROLES = ["anonymous", "tutor", "employer", "other_employer", "trainer", "referent",
         "newcomer", "admin"]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
REVIEWERS = {"trainer", "admin"}
EDITORS = {"employer"} | REVIEWERS  # employers of the sheet's organisation
WRITERS = {"employer", "other_employer"} | REVIEWERS
# Onboarding contracts: everyone else gets 404, as if the contract did not exist.
CONTRACT_VIEWERS = {"employer", "tutor", "referent", "newcomer", "admin"}
CONTRACT_EDITORS = {"employer", "tutor", "referent"}

# endpoint: (method, URL template, roles allowed[, status for the others]).
# "anonymous" in the set = public. Denied signed-in roles get 403 (or the status
# given); anonymous visitors of a protected page are sent to the login page.
MATRIX = {
    "static": ("GET", "/static/css/compagnon.css", EVERYONE),
    "home.index": ("GET", "/", SIGNED_IN),
    "home.healthz": ("GET", "/healthz", EVERYONE),
    "accounts.login": ("GET", "/compte/connexion", EVERYONE),
    "accounts.logout": ("POST", "/compte/deconnexion", EVERYONE),
    "accounts.logout_everywhere": ("POST", "/compte/deconnexion-partout", SIGNED_IN),
    "accounts.forgot_password": ("GET", "/compte/mot-de-passe-oublie", EVERYONE),
    "accounts.reset_password": ("GET", "/compte/reinitialiser/{reset_token}", EVERYONE),
    "accounts.accept_invitation": ("GET", "/compte/invitation/{invitation_token}", EVERYONE),
    "accounts.profile": ("GET", "/compte", SIGNED_IN),
    "accounts.change_password": ("GET", "/compte/mot-de-passe", SIGNED_IN),
    "accounts.organisations": ("GET", "/compte/organisations", SIGNED_IN),
    "accounts.members": ("GET", "/compte/organisations/{org}",
                         {"tutor", "employer", "newcomer", "admin"}),
    "accounts.invite": ("POST", "/compte/organisations/{org}/invitations", {"employer", "admin"}),
    "accounts.revoke_invitation": (
        "POST", "/compte/organisations/{org}/invitations/{invitation}/annuler",
        {"employer", "admin"},
    ),
    "accounts.change_role": (
        "POST", "/compte/organisations/{org}/membres/{membership}/role", {"employer", "admin"},
    ),
    "accounts.deactivate_member": (
        "POST", "/compte/organisations/{org}/membres/{membership}/desactiver",
        {"employer", "admin"},
    ),
    "accounts.reactivate_member": (
        "POST", "/compte/organisations/{org}/membres/{membership}/reactiver",
        {"employer", "admin"},
    ),
    "library.index": ("GET", "/pratiques", SIGNED_IN),
    "library.detail": ("GET", "/pratiques/{published}", SIGNED_IN),
    "library.new": ("GET", "/pratiques/nouvelle", WRITERS),
    "library.contributions": ("GET", "/pratiques/mes-contributions", WRITERS),
    "library.edit": ("GET", "/pratiques/{draft}/modifier", EDITORS),
    "library.preview": ("POST", "/pratiques/apercu", SIGNED_IN),
    "library.submit": ("POST", "/pratiques/{draft}/soumettre", EDITORS),
    "library.publish": ("POST", "/pratiques/{published}/publier", REVIEWERS),
    "library.send_back": ("POST", "/pratiques/{published}/renvoyer", REVIEWERS),
    "library.history": ("GET", "/pratiques/{published}/historique", EDITORS),
    "library.review_queue": ("GET", "/pratiques/a-relire", REVIEWERS),
    "library.adopt": ("POST", "/pratiques/{published}/adopter", {"other_employer"}),
    "library.vote": ("POST", "/pratiques/{published}/utile", SIGNED_IN),
    "library.upload": ("POST", "/pratiques/{draft}/fichiers", EDITORS),
    "library.download": ("GET", "/pratiques/{published}/fichiers/{file}", SIGNED_IN),
    "library.remove_file": ("POST", "/pratiques/{published}/fichiers/{file}/supprimer", EDITORS),
    "library.tools": ("GET", "/outils", SIGNED_IN),
    "inventory.index": ("GET", "/recensement", WRITERS),
    "inventory.new": ("GET", "/recensement/nouveau", REVIEWERS),
    "inventory.campaign": ("GET", "/recensement/{campaign}", WRITERS),
    "inventory.answer": ("GET", "/recensement/{campaign}/organisations/{org}", {"employer"}),
    "inventory.autosave": ("POST", "/recensement/{campaign}/organisations/{org}/brouillon",
                           {"employer"}),
    "inventory.answers": ("GET", "/recensement/{campaign}/reponses", REVIEWERS),
    "inventory.answer_detail": ("GET", "/recensement/{campaign}/reponses/{answer}", EDITORS),
    "inventory.create_sheet": ("POST", "/recensement/pratiques/{described}/fiche", REVIEWERS),
    "inventory.described_file": ("GET", "/recensement/pratiques/{described}/fichier", EDITORS),
    "inventory.export": ("GET", "/recensement/{campaign}/export.csv", REVIEWERS),
    "search.index": ("GET", "/recherche?q=binôme", SIGNED_IN),
    "catalogue.index": ("GET", "/formations", SIGNED_IN),
    "catalogue.mine": ("GET", "/formations/mes-formations", SIGNED_IN),
    "catalogue.path": ("GET", "/formations/parcours/{path}", SIGNED_IN),
    "catalogue.module": ("GET", "/formations/{module}", SIGNED_IN),
    "catalogue.start": ("POST", "/formations/{module}/commencer", SIGNED_IN),
    "catalogue.lesson": ("GET", "/formations/{module}/lecons/lecon-1", SIGNED_IN),
    "catalogue.toggle_done": ("POST", "/formations/{module}/lecons/lecon-1/terminee", SIGNED_IN),
    "catalogue.answer": ("POST", "/formations/{module}/questions/{question}", SIGNED_IN),
    "catalogue.attestation": ("GET", "/attestations/{attestation}", EVERYONE),
    "catalogue.manage": ("GET", "/formations/gestion", REVIEWERS),
    "catalogue.new_module": ("GET", "/formations/nouveau", REVIEWERS),
    "catalogue.edit_module": ("GET", "/formations/{module}/modifier", REVIEWERS),
    "catalogue.set_status": ("POST", "/formations/{module}/etat", REVIEWERS),
    "catalogue.add_lesson": ("POST", "/formations/{module}/lecons", REVIEWERS),
    "catalogue.edit_lesson": ("GET", "/formations/{module}/lecons/lecon-1/modifier", REVIEWERS),
    "catalogue.delete_lesson": ("POST", "/formations/{module}/lecons/lecon-2/supprimer",
                                REVIEWERS),
    "catalogue.move_lesson": ("POST", "/formations/{module}/lecons/lecon-2/deplacer",
                              REVIEWERS),
    "catalogue.add_question": ("POST", "/formations/{module}/lecons/lecon-1/questions",
                               REVIEWERS),
    "catalogue.delete_question": ("POST", "/formations/{module}/questions/{question}/supprimer",
                                  REVIEWERS),
    "catalogue.stats": ("GET", "/formations/{module}/statistiques", REVIEWERS),
    "catalogue.team": ("GET", "/formations/equipe", {"employer", "other_employer", "admin"}),
    "discussions.index": ("GET", "/discussions", SIGNED_IN),
    "discussions.category": ("GET", "/discussions/categories/questions-de-tuteurs", SIGNED_IN),
    "discussions.watch": ("POST", "/discussions/categories/questions-de-tuteurs/surveiller",
                          SIGNED_IN),
    "discussions.new_thread": ("GET", "/discussions/nouvelle", SIGNED_IN),
    "discussions.preview": ("POST", "/discussions/apercu", SIGNED_IN),
    "discussions.mention_suggestions": ("GET", "/discussions/mentions?q=Cam", SIGNED_IN),
    "discussions.thread": ("GET", "/discussions/{thread}", SIGNED_IN),
    "discussions.post": ("GET", "/discussions/messages/{reply}", SIGNED_IN),
    "discussions.reply": ("GET", "/discussions/{thread}/repondre", SIGNED_IN),
    # The reply is the tutor's, the question the employer's.
    "discussions.edit_post": ("GET", "/discussions/messages/{reply}/modifier", {"tutor"}),
    "discussions.history": ("GET", "/discussions/messages/{reply}/historique",
                            {"tutor"} | REVIEWERS),
    "discussions.erase_history": ("POST", "/discussions/messages/{reply}/historique/effacer",
                                  {"tutor"}),
    "discussions.delete_post": ("POST", "/discussions/messages/{reply}/supprimer", {"tutor"}),
    "discussions.thank": ("POST", "/discussions/messages/{reply}/merci",
                          SIGNED_IN - {"tutor"}),
    "discussions.solution": ("POST", "/discussions/messages/{reply}/solution",
                             {"employer"} | REVIEWERS),
    "discussions.follow": ("POST", "/discussions/{thread}/suivre", SIGNED_IN),
    "discussions.report": ("GET", "/discussions/messages/{reply}/signaler",
                           SIGNED_IN - {"tutor"}),
    "discussions.download": ("GET", "/discussions/fichiers/{post_file}", SIGNED_IN),
    "discussions.moderation": ("GET", "/discussions/moderation", REVIEWERS),
    "discussions.moderation_log": ("GET", "/discussions/moderation/journal", REVIEWERS),
    "discussions.hide": ("GET", "/discussions/messages/{reply}/masquer", REVIEWERS),
    "discussions.restore": ("GET", "/discussions/messages/{reply}/retablir", REVIEWERS),
    "discussions.dismiss": ("POST", "/discussions/messages/{reply}/classer", REVIEWERS),
    "discussions.lock": ("GET", "/discussions/{thread}/verrouiller", REVIEWERS),
    "discussions.pin": ("POST", "/discussions/{thread}/epingler", REVIEWERS),
    "discussions.move": ("GET", "/discussions/{thread}/deplacer", REVIEWERS),
    "discussions.notifications_centre": ("GET", "/notifications", SIGNED_IN),
    "discussions.badge": ("GET", "/notifications/badge", SIGNED_IN),
    "discussions.read_all": ("POST", "/notifications/tout-lu", SIGNED_IN),
    "discussions.preferences": ("GET", "/notifications/preferences", SIGNED_IN),
    "discussions.admin_categories": ("GET", "/admin/discussions", {"admin"}),
    "discussions.update_category": ("POST", "/admin/discussions/{category}", {"admin"}),
    "discussions.reorder_category": ("POST", "/admin/discussions/{category}/ordre", {"admin"}),
    "admin.index": ("GET", "/admin", {"admin"}),
    "admin.vocabularies": ("GET", "/admin/vocabulaires", {"admin"}),
    "admin.thesaurus": ("GET", "/admin/synonymes", {"admin"}),
    "admin.rename_term": ("POST", "/admin/vocabulaires/1", {"admin"}),
    "admin.add_term": ("POST", "/admin/vocabulaires/ajouter", {"admin"}),
    "admin.organisations": ("GET", "/admin/organisations", {"admin"}),
    "admin.new_organisation": ("GET", "/admin/organisations/nouvelle", {"admin"}),
    "admin.users": ("GET", "/admin/comptes", {"admin"}),
    "admin.deactivate_user": ("POST", "/admin/comptes/{user}/desactiver", {"admin"}),
    "admin.reactivate_user": ("POST", "/admin/comptes/{user}/reactiver", {"admin"}),
    "onboarding.index": ("GET", "/contrats", SIGNED_IN),
    "onboarding.organisation": ("GET", "/contrats/organisations/{org}", {"employer", "admin"}),
    "onboarding.statistics": ("GET", "/contrats/statistiques", {"admin"}),
    "onboarding.statistics_csv": ("GET", "/contrats/statistiques.csv", {"admin"}),
    "onboarding.new": ("GET", "/contrats/nouveau", {"employer", "other_employer", "referent"}),
    "onboarding.step": ("GET", "/contrats/{contract}/etapes/livret", CONTRACT_EDITORS, 404),
    "onboarding.open_contract": ("POST", "/contrats/{contract}/ouvrir", CONTRACT_EDITORS, 404),
    "onboarding.detail": ("GET", "/contrats/{contract}", CONTRACT_VIEWERS, 404),
    "onboarding.sign": ("POST", "/contrats/{contract}/signer", CONTRACT_VIEWERS, 404),
    "onboarding.invite": ("POST", "/contrats/{contract}/inviter", {"employer"}, 404),
    "onboarding.close": ("GET", "/contrats/{contract}/cloture", CONTRACT_EDITORS, 404),
    # Drafts only: the world's contract is open, nobody deletes it (tests/onboarding for drafts).
    "onboarding.delete": ("GET", "/contrats/{contract}/supprimer", set(), 404),
    "onboarding.add_meeting": ("POST", "/contrats/{contract}/rencontres", CONTRACT_EDITORS, 404),
    "onboarding.meeting": ("GET", "/contrats/{contract}/rencontres/1", CONTRACT_VIEWERS, 404),
    "onboarding.move_meeting": ("POST", "/contrats/{contract}/rencontres/1/date",
                                CONTRACT_EDITORS, 404),
    "onboarding.sign_meeting": ("POST", "/contrats/{contract}/rencontres/1/signer",
                                CONTRACT_VIEWERS, 404),
    "onboarding.livret": ("GET", "/contrats/{contract}/livret", CONTRACT_VIEWERS, 404),
    "onboarding.calendar": ("GET", "/contrats/{contract}/rencontres.ics", CONTRACT_VIEWERS, 404),
    "onboarding.journal": ("GET", "/contrats/{contract}/journal", {"employer", "admin"}, 404),
    "onboarding.my_data": ("GET", "/compte/mes-donnees.json", SIGNED_IN),
    "onboarding.templates": ("GET", "/contrats/modeles", SIGNED_IN),
    "onboarding.template": ("GET", "/contrats/modeles/{template}", SIGNED_IN),
    "onboarding.blank_livret": ("GET", "/contrats/modeles/{template}/livret-vierge", SIGNED_IN),
    "onboarding.new_template": ("GET", "/contrats/modeles/nouveau", WRITERS),
    "onboarding.edit_template": ("GET", "/contrats/modeles/{template}/modifier", REVIEWERS),
    "onboarding.copy_template": ("POST", "/contrats/modeles/{template}/copier",
                                 {"employer", "other_employer"}),
    "onboarding.publish_template": ("POST", "/contrats/modeles/{template}/publier", REVIEWERS),
    "onboarding.template_toolbox": ("POST", "/contrats/modeles/{template}/boite-a-outils",
                                    REVIEWERS),
}


def test_every_route_is_in_the_matrix(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": tmp_path, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - endpoints == set(), "remove routes that no longer exist"


def build_world(app):
    """One organisation with a member of each role, and outsiders."""
    with app.app_context():
        org = factories.make_organisation(name="EHPAD Les Tilleuls")
        other = factories.make_organisation(name="SAAD Autre")
        support = factories.make_organisation(name="Mission Locale", kind="support_service",
                                              sector=None)
        training = factories.make_organisation(name="Organisme", kind="training_body",
                                               sector=None)
        departement = factories.make_organisation(name="Département", kind="departement",
                                                  sector=None)
        employer = factories.make_user(org, "employer")
        people = {
            "employer": employer,
            "tutor": factories.make_user(org, "tutor"),
            "newcomer": factories.make_user(org, "newcomer"),
            "other_employer": factories.make_user(other, "employer"),
            "trainer": factories.make_user(training, "trainer"),
            "referent": factories.make_user(support, "referent"),
            "admin": factories.make_user(departement, "employer", is_admin=True),
        }
        target = factories.make_user(org, "tutor", full_name="Cible Membre")
        invitation, token = factories.make_invitation(org, employer)
        published = factories.make_practice(org)
        draft = factories.make_practice(org, published=False)
        attachment = factories.make_practice_file(published)
        campaign = factories.make_campaign()
        answer = factories.make_answer(campaign, org, submitted=True, with_file=True)
        module = factories.make_module()
        learning_path = factories.make_path(module)
        attestation = factories.complete_module(people["tutor"], module)
        thread = factories.make_thread(employer, uploads=[factories.pdf_upload()])
        reply = factories.make_reply(people["tutor"], thread)
        contract = onboarding_factories.make_contract(
            org, tutor=people["tutor"], referent=people["referent"], newcomer=people["newcomer"])
        template = onboarding_factories.make_template()
        ids = {
            "thread": thread.id,
            "reply": reply.id,
            "post_file": thread.posts[0].files[0].id,
            "category": factories.category().id,
            "module": module.slug,
            "path": learning_path.slug,
            "question": module.lessons[0].questions[0].id,
            "attestation": attestation.code,
            "campaign": campaign.id,
            "answer": answer.id,
            "described": answer.practices[0].id,
            "published": published.slug,
            "draft": draft.slug,
            "file": attachment.id,
            "org": org.id,
            "membership": target.memberships[0].id,
            "invitation": invitation.id,
            "user": target.id,
            "invitation_token": token,
            "reset_token": "lien-inconnu",
            "contract": contract.ref,
            "template": template.ref,
        }
        return {role: user.get_id() for role, user in people.items()}, ids


def _cases():
    """A GET changes nothing: one world serves every role. A POST may: one world per role."""
    for endpoint in sorted(MATRIX):
        if MATRIX[endpoint][0] == "GET":
            yield pytest.param(endpoint, None, id=endpoint)
        else:
            for role in ROLES:
                yield pytest.param(endpoint, role, id=f"{endpoint}-{role}")


@pytest.fixture(scope="module")
def world(migrated_database, tmp_path_factory):
    """The world, built once for the module (see Snapshot in tests/conftest.py)."""
    snapshot = build_snapshot(tmp_path_factory.mktemp("world"), migrated_database, build_world)
    yield snapshot
    drop_snapshot(snapshot)


@pytest.mark.parametrize(("endpoint", "only_role"), list(_cases()))
def test_route_access(world, tmp_path, endpoint, only_role):
    with world.copy(tmp_path) as app:
        _check_route(app, world.data, endpoint, only_role)


def _check_route(app, world, endpoint, only_role):
    client = app.test_client()
    auth = Auth(client)
    people, ids = world
    method, template, allowed, *rest = MATRIX[endpoint]
    # Denied signed-in people get 403, or 404 where even the existence of the
    # record is private (onboarding contracts).
    denied = rest[0] if rest else 403
    for role in [only_role] if only_role else ROLES:
        if role == "anonymous":
            auth.logout()
        else:
            auth.as_session(people[role])
        response = client.open(template.format(**ids), method=method)
        status = response.status_code
        location = response.headers.get("Location", "")
        response.close()
        assert status < 500, f"{endpoint} as {role}: server error"
        if role in allowed:
            assert status not in (401, 403, 404, 405), f"{endpoint} as {role}: {status}"
            assert "/compte/connexion?next" not in location, (
                f"{endpoint} as {role}: sent to login")
        elif role == "anonymous":
            assert status == 302 and "/compte/connexion" in location, (
                f"{endpoint} anonymous: {status} {location}"
            )
        else:
            assert status == denied, f"{endpoint} as {role}: {status}, expected {denied}"
