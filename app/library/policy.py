"""Who may do what with practice sheets. Used by routes, search filtering and tests."""

from app.accounts.models import Organisation, OrganisationKind, Role, User
from app.library.models import Practice


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def is_reviewer(user: User) -> bool:
    """Trainers and admins review and publish sheets."""
    return _active(user) and (user.is_admin or user.has_role(Role.TRAINER))


def contributing_organisations(user: User) -> list[Organisation]:
    """The employer organisations this person may write sheets for."""
    return [
        m.organisation for m in user.active_memberships
        if m.role == Role.EMPLOYER and m.organisation.kind == OrganisationKind.EMPLOYER
    ]


def can_create(user: User) -> bool:
    return _active(user) and (is_reviewer(user) or bool(contributing_organisations(user)))


def can_view(user: User, practice: Practice) -> bool:
    if not _active(user):
        return False
    if practice.is_published:
        return True
    return can_edit(user, practice)


def can_edit(user: User, practice: Practice) -> bool:
    """Employers of the contributing organisation, trainers and admins."""
    if not _active(user):
        return False
    return is_reviewer(user) or Role.EMPLOYER in user.roles_in(practice.organisation_id)


def can_review(user: User, practice: Practice) -> bool:
    return is_reviewer(user)


def adopting_organisations(user: User, practice: Practice) -> list[Organisation]:
    """The employers this person speaks for that may say « nous le faisons aussi »."""
    if not practice.is_published:
        return []
    return [o for o in contributing_organisations(user) if o.id != practice.organisation_id]


def can_vote(user: User, practice: Practice) -> bool:
    return _active(user) and practice.is_published
