"""The domain thesaurus: groups of equivalent terms, as data.

Shipped in content/search/synonyms.yml; once an admin edits it (/admin/synonymes),
the edited text lives in the database and applies to every worker and host.
"""

from functools import cache
from pathlib import Path

import yaml
from flask import g, has_request_context
from sqlalchemy import select

from app.config import ROOT
from app.extensions import db
from app.search.analysis import analyse
from app.search.models import SearchThesaurus

SYNONYMS_FILE = ROOT / "content" / "search" / "synonyms.yml"


class ThesaurusError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse(text: str) -> list[list[str]]:
    """The groups of a thesaurus text; raises ThesaurusError with a French message."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark is not None else ""
        raise ThesaurusError(f"Le texte n’est pas du YAML valide{where}.") from error
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise ThesaurusError("Écrivez une liste « groups: » de groupes entre crochets, "
                             "par exemple : - [tutorat, parrainage, mentorat]")
    seen: dict[str, int] = {}
    for number, group in enumerate(groups, start=1):
        if len(group) < 2:
            raise ThesaurusError(f"Le groupe {number} doit contenir au moins deux termes.")
        for term in group:
            key = str(term).strip().lower()
            if key in seen:
                raise ThesaurusError(f"« {term} » figure dans les groupes {seen[key]} et "
                                     f"{number} : un terme n’appartient qu’à un groupe.")
            seen[key] = number
    return [[str(term).strip() for term in group] for group in groups]


@cache
def _compiled(text: str) -> list[list[tuple[str, tuple[str, ...]]]]:
    groups = []
    for group in parse(text):
        terms = [(term, _stems(term)) for term in group]
        groups.append([(term, words) for term, words in terms if words])
    return groups


def current_text() -> str:
    """The thesaurus in force: the admins' version, else the shipped file (once a request)."""
    if has_request_context() and "_thesaurus" in g:
        return g._thesaurus
    edited = db.session.scalar(select(SearchThesaurus.text).order_by(SearchThesaurus.id.desc())
                               .limit(1))
    if edited is None:
        edited = SYNONYMS_FILE.read_text(encoding="utf-8") if SYNONYMS_FILE.exists() else ""
    if has_request_context():
        g._thesaurus = edited
    return edited


def groups(path: Path | None = None) -> list[list[tuple[str, tuple[str, ...]]]]:
    """Each group's terms with their indexed forms (parsed once per version of the text)."""
    if path is not None:
        return _compiled(path.read_text(encoding="utf-8")) if path.exists() else []
    return _compiled(current_text())


def save(text: str, user_id: int | None) -> None:
    """Store an admin's version of the thesaurus (checked first)."""
    parse(text)
    row = db.session.scalar(select(SearchThesaurus).limit(1))
    if row is None:
        row = SearchThesaurus(text=text)
        db.session.add(row)
    row.text, row.updated_by_id = text, user_id
    db.session.commit()


def vocabulary(path: Path | None = None) -> frozenset[str]:
    """The indexed forms of every word of the thesaurus (never « corrected »)."""
    return frozenset(word for group in groups(path) for _, words in group for word in words)


def expansions(text: str, path: Path | None = None) -> list[tuple[str, str]]:
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
