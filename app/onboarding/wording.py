"""Small French wording helpers of the contract pages, files and e-mails (also Jinja filters).

Pure functions: no database, no request.
"""

from datetime import time

VOWELS = "aeiouàâäéèêëîïôöùûüœæ"


def elides(word: str) -> bool:
    """Whether « de » / « le » elide before this word: a vowel, a mute h (the usual case
    for first names and « Hôpital »), a « y » sounded as a vowel (Yves, not Yasmine)."""
    first = word[:1].lower()
    if first in VOWELS or first == "h":
        return True
    return first == "y" and word[1:2].lower() not in VOWELS and word[1:2] != ""


def de(name: str) -> str:
    """« de SAAD Les Glycines », « d’EHPAD Les Tilleuls », « d’Inès Moreau »."""
    name = (name or "").strip()
    return f"d’{name}" if elides(name) else f"de {name}"


def short_name(full_name: str) -> str:
    """« Léa F. »: the first name(s) and the initial of the last word, as the contract's
    private thread names the person; enough for the parties, no full name in a file or
    an e-mail that travels."""
    words = (full_name or "").split()
    if len(words) > 1:
        return " ".join([*words[:-1], f"{words[-1][0]}."])
    return words[0] if words else "la personne accueillie"


def hour(moment: time | None) -> str:
    """« 9 h », « 14 h 30 »: French times, no leading zero, no « 00 »."""
    if moment is None:
        return ""
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")
