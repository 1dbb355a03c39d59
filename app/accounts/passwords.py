"""Password rules: at least 12 characters, no composition rules, not a common password.

Hashing uses Werkzeug's scrypt (a slow, memory-hard KDF). The common-password
list is Django's (20,000 passwords, BSD licence), extended with French ones.
"""

import gzip
import re
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 256
_LIST = Path(__file__).with_name("common-passwords.txt.gz")
_FRENCH = {
    "azerty", "azertyuiop", "motdepasse", "soleil", "bonjour", "doudou", "chouchou",
    "loulou", "marseille", "jetaime", "nicolas", "camille", "compagnon", "tutorat",
    "ehpad", "tuteur", "tutrice", "password", "qwertz", "nouveau", "bienvenue",
}
# A rule's exact scheme; a slow hash. Werkzeug's default scrypt parameters.
_METHOD = "scrypt"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as handle:
        words = {line.strip().lower() for line in handle if line.strip()}
    return frozenset(words | _FRENCH)


def _core(password: str) -> str:
    """The password without its decorations: 'Azerty123456!' → 'azerty'."""
    return re.sub(r"[\d\W_]+$", "", password.lower()).strip()


def password_problem(password: str, email: str = "", full_name: str = "") -> str | None:
    """The French reason a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères."
    lowered = password.lower()
    common = common_passwords()
    core = _core(password)
    if lowered in common or core in common or not core or len(set(lowered)) <= 2:
        return (
            "Ce mot de passe est trop courant et facile à deviner. "
            "Une phrase de quelques mots est plus sûre et plus facile à retenir."
        )
    personal = {email.lower(), email.lower().split("@")[0], full_name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in {p for p in personal if p}:
        return "Le mot de passe ne doit pas reprendre votre nom ou votre adresse e-mail."
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so timing does not tell whether
        # the account exists.
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("compagnon-dummy-password", method=_METHOD)
