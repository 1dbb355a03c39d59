"""@Prénom Nom in a post: who is mentioned, and the suggestions while typing."""

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership, User, folded
from app.extensions import db

MAX_MENTIONS = 10  # a post naming more people notifies the first ten
MAX_WORDS = 4  # « @Marie-Claire de La Fontaine »
# After "@": words made of letters (hyphens and apostrophes inside), separated by one space.
_WORD = r"[^\W\d_][\w'’-]*"
MENTION = re.compile(rf"(?<![\w@.])@({_WORD}(?:[ \u00a0]{_WORD}){{0,{MAX_WORDS - 1}}})")
_FENCE = re.compile(r"^(```|~~~)")


def _lines_that_speak(text: str):
    """The lines written by the author: not quotes of someone else, not code."""
    fenced = False
    for line in text.splitlines():
        stripped = line.lstrip()
        if _FENCE.match(stripped):
            fenced = not fenced
            continue
        if fenced or stripped.startswith(">") or line.startswith(("    ", "\t")):
            continue
        yield re.sub(r"`[^`]*`", "", line)


def candidates(text: str) -> list[list[str]]:
    """For each @ in the text, the names it may stand for, longest first."""
    found = []
    for line in _lines_that_speak(text or ""):
        for match in MENTION.finditer(line):
            words = match.group(1).replace("\u00a0", " ").split(" ")
            found.append([" ".join(words[:n]) for n in range(len(words), 0, -1)])
    return found


def _named(rows: list[User], name: str) -> User | None:
    """The one person `name` stands for: spelled exactly, else with other capitals, else
    without accents; nobody when two people are that close (better no one than the wrong
    one: « @Helene Roux » when both Hélène Roux and Helene Roux have an account)."""
    for spelling, typed in ((lambda u: u.full_name, name),
                            (lambda u: u.full_name.casefold(), name.casefold()),
                            (lambda u: u.name_key, folded(name))):
        matching = [user for user in rows if spelling(user) == typed]
        if matching:
            return matching[0] if len(matching) == 1 else None
    return None


def mentioned_users(text: str, exclude: int | None = None) -> list[User]:
    """The active accounts the text mentions (one query), in the order they appear."""
    found = candidates(text)
    names = {name for options in found for name in options}
    if not names:
        return []
    # Folded both sides: « @Helene Roux » mentions Hélène Roux, as people type names.
    rows = db.session.scalars(select(User).where(
        User.active.is_(True), User.name_key.in_({folded(name) for name in names}),
    ).order_by(User.id)).all()
    people: list[User] = []
    for options in found:
        user = next((u for u in (_named(rows, n) for n in options) if u is not None), None)
        if user is not None and user.id != exclude and user not in people:
            people.append(user)
    return people[:MAX_MENTIONS]


def suggestions(typed: str, audience: set[int] | None = None, limit: int = 8) -> list[User]:
    """Active accounts whose name holds what was typed after "@" (for the autocomplete)."""
    typed = " ".join(typed.replace("\x00", "").split())[:60]
    if len(typed) < 2:
        return []
    query = (select(User)
             .options(selectinload(User.memberships).joinedload(Membership.organisation))
             .where(User.active.is_(True),
                    User.name_key.contains(folded(typed), autoescape=True))
             .order_by(User.name_key, User.id).limit(limit))
    if audience is not None:
        query = query.where(User.id.in_(audience or {0}))
    return list(db.session.scalars(query))
