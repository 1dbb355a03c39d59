"""The domain thesaurus (content/search/synonyms.yml): groups of equivalent terms."""

from functools import cache
from pathlib import Path

import yaml

from app.config import ROOT
from app.search.analysis import analyse

SYNONYMS_FILE = ROOT / "content" / "search" / "synonyms.yml"


@cache
def _groups(path: Path, mtime: float) -> list[list[tuple[str, tuple[str, ...]]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = []
    for group in data.get("groups", []):
        terms = [(str(term), _stems(str(term))) for term in group]
        groups.append([(term, words) for term, words in terms if words])
    return groups


def groups(path: Path = SYNONYMS_FILE) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Each group's terms with their indexed forms; re-read when the file changes."""
    if not path.exists():
        return []
    return _groups(path, path.stat().st_mtime)


def vocabulary(path: Path = SYNONYMS_FILE) -> frozenset[str]:
    """The indexed forms of every word of the thesaurus (never « corrected »)."""
    return frozenset(word for group in groups(path) for _, words in group for word in words)


def expansions(text: str, path: Path = SYNONYMS_FILE) -> list[tuple[str, str]]:
    """(other term, the query's term it stands for), for each group the query has a term of."""
    words = _stems(text)
    found: list[tuple[str, str]] = []
    for group in groups(path):
        typed = next((term for term, term_words in group if _contains(words, term_words)), None)
        if typed is None:
            continue
        for term, term_words in group:
            if not _contains(words, term_words) and term not in {t for t, _ in found}:
                found.append((term, typed))
    return found


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(words[i:i + size] == part for i in range(len(words) - size + 1))


def _stems(text: str) -> tuple[str, ...]:
    """The first indexed form of each word: « aides-soignantes » and « aide-soignante » agree."""
    return tuple(forms[0] for forms in analyse(text))
