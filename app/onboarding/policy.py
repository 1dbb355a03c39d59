"""Who may see and do what with onboarding contracts: the one place that decides.

Used by the routes, the tests and (later) the contract's private thread. A
contract is seen only by its parties (tutor, referent, newcomer with an
account), the employer role of its organisation, and admins; everyone else is
answered 404 by the routes, as if it did not exist.
"""

from sqlalchemy import select

from app.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from app.extensions import db
from app.library.policy import is_reviewer
from app.onboarding.models import Contract, ContractTemplate


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def is_employer_of(user: User, contract: Contract) -> bool:
    return _active(user) and Role.EMPLOYER in user.roles_in(contract.organisation_id)


def is_tutor(user: User, contract: Contract) -> bool:
    """The contract's tutor, while they still belong to its organisation."""
    return (_active(user) and contract.tutor_id == user.id
            and bool(user.roles_in(contract.organisation_id)))


def is_referent(user: User, contract: Contract) -> bool:
    return _active(user) and contract.referent_id is not None and contract.referent_id == user.id


def is_newcomer(user: User, contract: Contract) -> bool:
    return _active(user) and contract.newcomer_id is not None and contract.newcomer_id == user.id


def party_roles(user: User, contract: Contract) -> set[str]:
    """The parties this person speaks for: employer, tutor, referent, newcomer."""
    roles = set()
    if is_employer_of(user, contract):
        roles.add("employer")
    if is_tutor(user, contract):
        roles.add("tutor")
    if is_referent(user, contract):
        roles.add("referent")
    if is_newcomer(user, contract):
        roles.add("newcomer")
    return roles


def can_view(user: User, contract: Contract) -> bool:
    """Parties, the organisation's employer role, admins. Trainers see nothing; nobody
    sees a deleted draft."""
    if not _active(user) or contract.is_deleted:
        return False
    return user.is_admin or bool(party_roles(user, contract))


def can_edit(user: User, contract: Contract) -> bool:
    """The livret, the dates and the parties: employer, tutor and referent, until it closes."""
    if not _active(user) or contract.is_closed or contract.anonymised_at:
        return False
    return bool(party_roles(user, contract) & {"employer", "tutor", "referent"})


def can_record(user: User, contract: Contract) -> bool:
    """Meeting records, dates and extra meetings: the same people, once the contract is open."""
    return contract.is_active and can_edit(user, contract)


def can_close(user: User, contract: Contract) -> bool:
    return contract.is_active and can_edit(user, contract)


def can_delete(user: User, contract: Contract) -> bool:
    """A draft (never an opened contract): the organisation's employers, or the referent
    who opened it for a person they support."""
    if not _active(user) or not contract.is_draft or contract.anonymised_at:
        return False
    return is_employer_of(user, contract) or (
        is_referent(user, contract) and contract.created_by_id == user.id)


def can_sign(user: User, contract: Contract, party: str) -> bool:
    """Acknowledge for `party`: oneself; a newcomer without an account in the presence
    of the tutor or the referent, who marks it."""
    if not _active(user) or contract.is_draft or contract.anonymised_at:
        return False
    roles = party_roles(user, contract)
    if party == "newcomer" and contract.newcomer_id is None:
        return bool(roles & {"tutor", "referent"})
    return party in roles


def signable_parties(user: User, contract: Contract, parties: list[str]) -> list[str]:
    return [p for p in parties if can_sign(user, contract, p)]


def sees_staff_details(user: User, contract: Contract) -> bool:
    """The tutors' training and tutoring load, shown as warnings when one is chosen: the
    organisation's employers (who organise the tutoring) and admins. A referent opening a
    contract for an employer, or a tutor editing it, sees the tutors' names only."""
    return _active(user) and (user.is_admin or is_employer_of(user, contract))


def sees_newcomer_accounts(user: User, contract: Contract) -> bool:
    """The organisation's newcomer accounts, to link one to the contract: its members and
    admins — not a referent from outside, to whom they would say who was hired there."""
    return _active(user) and (user.is_admin or bool(user.roles_in(contract.organisation_id)))


def can_view_audit(user: User, contract: Contract) -> bool:
    """The audit log: the organisation's employer role and admins."""
    return _active(user) and not contract.is_deleted and (
        user.is_admin or is_employer_of(user, contract))


def can_invite_newcomer(user: User, contract: Contract) -> bool:
    return (is_employer_of(user, contract) and contract.newcomer_id is None
            and not contract.is_closed and not contract.anonymised_at)


def opening_organisations(user: User) -> list[Organisation]:
    """Where this person may open contracts: employers for their organisations; a
    referent for any employer (for a person they support)."""
    if not _active(user):
        return []
    if user.has_role(Role.REFERENT):
        return db.session.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.EMPLOYER)
            .order_by(Organisation.name)
        ).all()
    return [m.organisation for m in user.active_memberships
            if m.role == Role.EMPLOYER and m.organisation.kind == OrganisationKind.EMPLOYER]


def can_open(user: User) -> bool:
    return _active(user) and (user.has_role(Role.REFERENT) or any(
        m.role == Role.EMPLOYER and m.organisation.kind == OrganisationKind.EMPLOYER
        for m in user.active_memberships))


def may_have_contracts(user: User) -> bool:
    """For the navigation: tutors, employers, referents, newcomers and admins."""
    return _active(user) and (user.is_admin or any(
        m.role != Role.TRAINER for m in user.active_memberships))


def can_view_organisation(user: User, organisation: Organisation) -> bool:
    """The organisation's contracts dashboard."""
    return _active(user) and (user.is_admin or Role.EMPLOYER in user.roles_in(organisation.id))


def can_view_statistics(user: User) -> bool:
    return _active(user) and user.is_admin


# --- Templates (not personal data: a refusal is an ordinary 403) -------------------


def can_view_template(user: User, template: ContractTemplate) -> bool:
    if not _active(user):
        return False
    if template.is_shared:
        return template.published or is_reviewer(user)
    return user.is_admin or Role.EMPLOYER in user.roles_in(template.organisation_id)


def can_edit_template(user: User, template: ContractTemplate) -> bool:
    """Trainers and admins write shared templates; employers their organisation's copies."""
    if not _active(user):
        return False
    if template.is_shared:
        return is_reviewer(user)
    return user.is_admin or Role.EMPLOYER in user.roles_in(template.organisation_id)


def can_write_shared_templates(user: User) -> bool:
    return is_reviewer(user)


def copying_organisations(user: User) -> list[Organisation]:
    """The employers this person may copy a shared template for."""
    if not _active(user):
        return []
    return [m.organisation for m in user.active_memberships
            if m.role == Role.EMPLOYER and m.organisation.kind == OrganisationKind.EMPLOYER]


def can_browse_templates(user: User) -> bool:
    return _active(user) and (is_reviewer(user) or can_open(user))


# --- Audience: who may read the contract (for the private thread and notifications) ---


def audience_user_ids(contract: Contract) -> set[int]:
    """The ids of the accounts that may read the contract: its parties with an account
    and the active employer-role members of its organisation (admins are not listed).

    One query, whatever the number of people: it returns exactly the accounts for
    which `can_view` holds without being an admin.
    """
    party_ids = [i for i in (contract.referent_id, contract.newcomer_id) if i is not None]
    in_organisation = (Membership.organisation_id == contract.organisation_id) & (
        Membership.active.is_(True))
    employer = in_organisation & (Membership.role == Role.EMPLOYER)
    if contract.tutor_id is not None:
        employer = employer | (in_organisation & (Membership.user_id == contract.tutor_id))
    rows = db.session.execute(
        select(User.id).outerjoin(Membership, (Membership.user_id == User.id) & employer)
        .where(User.active.is_(True))
        .where(Membership.id.is_not(None) | User.id.in_(party_ids))
        .distinct()
    ).scalars()
    return set(rows)


def navigation_item(user: User) -> tuple[str, str, str] | None:
    """(endpoint, label, path prefix) of the navigation entry, for those it concerns."""
    if may_have_contracts(user):
        return ("onboarding.index", "Accompagnements", "/contrats")
    if can_write_shared_templates(user):
        return ("onboarding.templates", "Modèles de livret", "/contrats/modeles")
    return None
