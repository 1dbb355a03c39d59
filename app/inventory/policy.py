"""Who may do what with inventory campaigns and answers."""

from app.accounts.models import Organisation, OrganisationKind, Role, User
from app.inventory.models import InventoryAnswer
from app.library.policy import is_reviewer


def can_open_campaign(user: User) -> bool:
    """Admins and trainers open campaigns and see every answer."""
    return is_reviewer(user)


def answering_organisations(user: User) -> list[Organisation]:
    """The employer organisations this person answers for."""
    if not (user.is_authenticated and user.active):
        return []
    return [m.organisation for m in user.active_memberships
            if m.role == Role.EMPLOYER and m.organisation.kind == OrganisationKind.EMPLOYER]


def can_answer(user: User, organisation: Organisation) -> bool:
    return organisation in answering_organisations(user)


def can_view_answer(user: User, answer: InventoryAnswer) -> bool:
    return is_reviewer(user) or can_answer(user, answer.organisation)
