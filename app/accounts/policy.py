"""Who may do what with accounts and organisations. Used by routes and tests alike."""

from app.accounts.models import Membership, Organisation, Role, User

# Roles an employer may give when inviting or changing a member.
ASSIGNABLE_ROLES = [Role.TUTOR, Role.EMPLOYER, Role.REFERENT, Role.TRAINER]


def can_manage_members(user: User, organisation: Organisation) -> bool:
    """Employers of the organisation, and admins."""
    if not user.is_authenticated or not user.active:
        return False
    return user.is_admin or Role.EMPLOYER in user.roles_in(organisation.id)


def can_view_members(user: User, organisation: Organisation) -> bool:
    """Any active member of the organisation sees who else belongs to it."""
    if not user.is_authenticated or not user.active:
        return False
    return user.is_admin or bool(user.roles_in(organisation.id))


def can_change_membership(user: User, membership: Membership) -> bool:
    return can_manage_members(user, membership.organisation) and membership.user_id != user.id


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.active and user.is_admin


def managed_organisations(user: User) -> list[Organisation]:
    """The organisations whose members this person manages (for the navigation)."""
    return user.organisations_where(Role.EMPLOYER)
