"""Plain functions that create rows for tests: make_user(**overrides) and friends."""

from datetime import timedelta
from functools import cache
from itertools import count

from app.accounts.models import (
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    User,
    utcnow,
)
from app.accounts.passwords import hash_password
from app.accounts.services import new_token
from app.extensions import db

PASSWORD = "une phrase de passe solide"
_sequence = count(1)


@cache
def password_hash() -> str:
    """Hashing is slow on purpose: hash the shared test password once."""
    return hash_password(PASSWORD)


def make_organisation(**overrides) -> Organisation:
    n = next(_sequence)
    values = {"name": f"EHPAD Test {n}", "kind": "employer", "sector": "ehpad"}
    values.update(overrides)
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(organisation: Organisation | None = None, role: str = "tutor", **overrides) -> User:
    n = next(_sequence)
    values = {
        "email": f"personne{n}@exemple.fr",
        "full_name": f"Camille Test{n}",
        "password_hash": password_hash(),
    }
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, role=role))
    db.session.commit()
    return user


def make_invitation(organisation: Organisation, invited_by: User | None = None,
                    **overrides) -> tuple[Invitation, str]:
    token, token_hash = new_token()
    n = next(_sequence)
    values = {
        "email": f"invite{n}@exemple.fr",
        "organisation": organisation,
        "role": "tutor",
        "token_hash": token_hash,
        "invited_by": invited_by,
        "expires_at": utcnow() + timedelta(days=14),
    }
    values.update(overrides)
    invitation = Invitation(**values)
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def make_password_reset(user: User, **overrides) -> tuple[PasswordReset, str]:
    token, token_hash = new_token()
    values = {"user": user, "token_hash": token_hash,
              "expires_at": utcnow() + timedelta(hours=2)}
    values.update(overrides)
    reset = PasswordReset(**values)
    db.session.add(reset)
    db.session.commit()
    return reset, token
