"""A readable difference between two revisions of a sheet, for the history page."""

from dataclasses import dataclass
from difflib import SequenceMatcher

from app.library import taxonomy
from app.library.models import PracticeRevision

CONTEXT = 2  # unchanged lines kept around each change


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class BodyLine:
    kind: str  # "same", "removed", "added", "gap"
    text: str


def _fields(revision: PracticeRevision) -> dict[str, tuple[str, str]]:
    return {
        "title": ("Titre", revision.title),
        "summary": ("Résumé", revision.summary),
        "category": ("Catégorie", taxonomy.label("category", revision.category)),
        "phase": ("Étape", taxonomy.label("phase", revision.phase)),
        "sector": ("Secteur", taxonomy.label("sector", revision.sector)),
        "tags": ("Mots-clés", ", ".join(revision.tags)),
    }


def body_diff(before: str, after: str) -> list[BodyLine]:
    """Line by line, unchanged stretches shortened to a few lines of context."""
    old, new = before.splitlines(), after.splitlines()
    lines: list[BodyLine] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            same = old[i1:i2]
            if len(same) > 2 * CONTEXT + 1:
                head = [] if not lines else same[:CONTEXT]
                tail = same[-CONTEXT:] if i2 < len(old) else []
                lines += [BodyLine("same", t) for t in head]
                lines.append(BodyLine("gap", f"{len(same) - len(head) - len(tail)} lignes "
                                             "inchangées"))
                lines += [BodyLine("same", t) for t in tail]
            else:
                lines += [BodyLine("same", t) for t in same]
            continue
        lines += [BodyLine("removed", t) for t in old[i1:i2]]
        lines += [BodyLine("added", t) for t in new[j1:j2]]
    return lines


def revision_diff(before: PracticeRevision, after: PracticeRevision) -> dict:
    """Changed fields and the body's line diff from `before` to `after`."""
    old, new = _fields(before), _fields(after)
    changes = [FieldChange(label, old[key][1], value)
               for key, (label, value) in new.items() if old[key][1] != value]
    body = body_diff(before.body_md, after.body_md) if before.body_md != after.body_md else []
    return {"fields": changes, "body": body}
