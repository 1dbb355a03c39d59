"""Who may see and follow training modules."""

from app.catalogue.models import Module
from app.library.policy import is_reviewer


def can_view(user, module: Module) -> bool:
    """Published modules for every member; drafts and archives for trainers and admins."""
    if not (user.is_authenticated and user.active):
        return False
    return module.is_published or is_reviewer(user)
