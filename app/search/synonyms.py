"""The domain thesaurus (content/search/synonyms.yml): groups of equivalent terms."""

from functools import cache
from pathlib import Path

import yaml

from app.config import ROOT
from app.search.analysis import fold

SYNONYMS_FILE = ROOT / "content" / "search" / "synonyms.yml"


@cache
def _groups(path: Path, mtime: float) -> list[list[tuple[str, tuple[str, ...]]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = []
    for group in data.get("groups", []):
        terms = [(str(term), tuple(fold(str(term)))) for term in group]
        groups.append([(term, words) for term, words in terms if words])
    return groups


def groups(path: Path = SYNONYMS_FILE) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Each group's terms with their folded words; re-read when the file changes."""
    if not path.exists():
        return []
    return _groups(path, path.stat().st_mtime)


def expansions(text: str, path: Path = SYNONYMS_FILE) -> list[str]:
    """The other terms of every group one of whose terms the query contains."""
    words = tuple(fold(text))
    found: list[str] = []
    for group in groups(path):
        if any(_contains(words, term_words) for _, term_words in group):
            for term, term_words in group:
                if not _contains(words, term_words) and term not in found:
                    found.append(term)
    return found


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    size = len(part)
    return any(words[i:i + size] == part for i in range(len(words) - size + 1))
