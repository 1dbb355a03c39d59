"""What the index holds: one document per published (or draft) sheet and per tool.

Onboarding contracts and private threads are never turned into documents.
"""

import html
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.files import type_label
from app.library.models import Practice, PracticeFile, PracticeStatus, TaxonomyTerm
from app.markup import plain_text

TYPE_LABELS = {"practice": "Fiches pratiques", "tool": "Outils"}


@dataclass
class Document:
    key: str  # "practice:12", "tool:5"
    type: str
    slug: str
    title: str
    summary: str = ""
    body: str = ""
    tags: list[str] = field(default_factory=list)
    labels: str = ""  # the category, phase and sector as people read them: searchable too
    category: str = ""
    phase: str = ""
    sector: str = ""
    organisation: str = ""
    organisation_id: int = 0
    status: str = "published"
    url: str = ""


Vocabulary = dict[tuple[str, str], str]  # (kind, slug) → label


def vocabulary(session: Session) -> Vocabulary:
    """The labels of the categories, phases and sectors (read with the caller's session:
    the drain runs after a commit, when the request's session may not emit SQL)."""
    return {(kind, slug): label for kind, slug, label in session.execute(
        select(TaxonomyTerm.kind, TaxonomyTerm.slug, TaxonomyTerm.label))}


def practice_document(practice: Practice, labels: Vocabulary | None = None) -> Document | None:
    if practice.status == PracticeStatus.ARCHIVED:
        return None
    return Document(
        key=f"practice:{practice.id}", type="practice", slug=practice.slug,
        title=practice.title, summary=practice.summary,
        body=html.unescape(plain_text(practice.body_md)), tags=list(practice.tags or []),
        labels=_labels(practice, labels), category=practice.category, phase=practice.phase,
        sector=practice.sector,
        organisation=practice.organisation.name, organisation_id=practice.organisation_id,
        status="published" if practice.is_published else "draft",
        url=f"/pratiques/{practice.slug}",
    )


def _labels(practice: Practice, labels: Vocabulary | None) -> str:
    """« Intégration · Première semaine · EHPAD »: a sheet is found by what it is filed under."""
    values = [(kind, getattr(practice, kind)) for kind in ("category", "phase", "sector")]
    return " · ".join((labels or {}).get(value, value[1]) for value in values if value[1])


def tool_document(attachment: PracticeFile, labels: Vocabulary | None = None) -> Document | None:
    practice = attachment.practice
    if not practice.is_published:
        return None  # a draft's files are found through the draft itself
    return Document(
        key=f"tool:{attachment.id}", type="tool", slug=practice.slug,
        title=attachment.filename, summary=f"{type_label(attachment.extension)} · fiche "
                                           f"« {practice.title} »",
        body=practice.summary, tags=list(practice.tags or []),
        labels=_labels(practice, labels), category=practice.category, phase=practice.phase,
        sector=practice.sector,
        organisation=practice.organisation.name, organisation_id=practice.organisation_id,
        url=f"/pratiques/{practice.slug}/fichiers/{attachment.id}",
    )


def load(session: Session, keys: list[str]) -> dict[str, Document | None]:
    """The current document for each key (None: remove it from the index)."""
    ids = {"practice": set(), "tool": set()}
    for key in keys:
        kind, _, raw = key.partition(":")
        if kind in ids and raw.isdigit():
            ids[kind].add(int(raw))
    found: dict[str, Document | None] = dict.fromkeys(keys)
    labels = vocabulary(session) if ids["practice"] or ids["tool"] else {}
    if ids["practice"]:
        for practice in session.scalars(
            select(Practice).options(joinedload(Practice.organisation), selectinload(
                Practice.files)).where(Practice.id.in_(ids["practice"]))
        ):
            found[f"practice:{practice.id}"] = practice_document(practice, labels)
            for attachment in practice.files:  # a sheet's change changes its tools
                found[f"tool:{attachment.id}"] = tool_document(attachment, labels)
    if ids["tool"]:
        for attachment in session.scalars(
            select(PracticeFile).options(
                joinedload(PracticeFile.practice).joinedload(Practice.organisation))
            .where(PracticeFile.id.in_(ids["tool"]))
        ):
            found[f"tool:{attachment.id}"] = tool_document(attachment, labels)
    return found


def count(session: Session) -> int:
    """About how many documents everything() yields (sheets and files)."""
    return (session.scalar(select(func.count(Practice.id)))
            + session.scalar(select(func.count(PracticeFile.id))))


def everything(session: Session) -> Iterator[Document]:
    """Every document, for a full rebuild."""
    labels = vocabulary(session)
    practices = session.scalars(
        select(Practice).options(joinedload(Practice.organisation),
                                 selectinload(Practice.files))
        .order_by(Practice.id)
    )
    for practice in practices:
        document = practice_document(practice, labels)
        if document:
            yield document
        for attachment in practice.files:
            tool = tool_document(attachment, labels)
            if tool:
                yield tool
