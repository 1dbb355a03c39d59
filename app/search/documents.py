"""What the index holds: one document per sheet, tool (a sheet's file or a file shared
in a discussion), training module, lesson and public discussion thread.

Onboarding contracts and private threads are never turned into documents, nor are
threads whose question was deleted or hidden, nor the text of hidden posts.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.catalogue.models import Lesson, Module
from app.discussions.models import Post, PostFile, Thread
from app.files import type_label
from app.library.models import Practice, PracticeFile, PracticeStatus, TaxonomyTerm
from app.markup import html_text, plain_text

TYPE_LABELS = {"practice": "Fiches pratiques", "tool": "Outils", "module": "Formations",
               "lesson": "Leçons", "discussion": "Discussions"}
MAX_THREAD_TEXT = 100_000  # characters of a thread's posts indexed


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
        body=plain_text(practice.body_md), tags=list(practice.tags or []),
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


def module_document(module: Module, labels: Vocabulary | None = None) -> Document | None:
    """A training module; drafts are found by trainers only (organisation 0 matches no one)."""
    if module.status == "archived":
        return None
    return Document(
        key=f"module:{module.id}", type="module", slug=module.slug, title=module.title,
        summary=module.summary,
        body=plain_text(module.intro_md) + " " + " ".join(module.objectives),
        labels=(labels or {}).get(("category", module.theme), module.theme),
        category=module.theme, status="published" if module.is_published else "draft",
        url=f"/formations/{module.slug}",
    )


def lesson_document(lesson: Lesson, labels: Vocabulary | None = None) -> Document | None:
    module = lesson.module
    if module.status == "archived":
        return None
    return Document(
        key=f"lesson:{lesson.id}", type="lesson", slug=module.slug, title=lesson.title,
        summary=f"Leçon du module « {module.title} »",
        body=plain_text(lesson.body_md),
        labels=(labels or {}).get(("category", module.theme), module.theme),
        category=module.theme, status="published" if module.is_published else "draft",
        url=f"/formations/{module.slug}/lecons/{lesson.slug}",
    )


def _public(thread: Thread) -> bool:
    return not thread.is_private and thread.removed_at is None


def thread_document(thread: Thread) -> Document | None:
    """A public thread: its title, its question first, then the replies still shown."""
    if not _public(thread):
        return None
    shown = [p for p in thread.posts if p.is_shown]
    question = html_text(shown[0].body_html) if shown and shown[0].number == 1 else ""
    body = " ".join(html_text(p.body_html) for p in shown)[:MAX_THREAD_TEXT]
    category = thread.category.name if thread.category else ""
    return Document(
        key=f"discussion:{thread.id}", type="discussion", slug=str(thread.id),
        title=thread.title, summary=question[:300], body=body,
        labels=" · ".join(filter(None, [category, "résolue" if thread.is_solved else ""])),
        organisation=category, url=f"/discussions/{thread.id}",
    )


def post_file_document(attachment: PostFile) -> Document | None:
    """A file shared in a public thread, on a post still shown: a tool like the others."""
    post = attachment.post
    thread = post.thread
    if not _public(thread) or not post.is_shown:
        return None
    return Document(
        key=f"post-file:{attachment.id}", type="tool", slug=str(thread.id),
        title=attachment.filename,
        summary=f"{type_label(attachment.extension)} · discussion « {thread.title} »",
        body=html_text(post.body_html)[:2_000],
        labels=thread.category.name if thread.category else "",
        organisation=thread.category.name if thread.category else "",
        url=f"/discussions/fichiers/{attachment.id}",
    )


def _thread_query():
    return select(Thread).options(
        joinedload(Thread.category),
        selectinload(Thread.posts).selectinload(Post.files))


def _load_discussions(session: Session, ids: dict, found: dict) -> None:
    if ids["discussion"]:
        for thread in session.scalars(_thread_query().where(Thread.id.in_(ids["discussion"]))):
            found[f"discussion:{thread.id}"] = thread_document(thread)
            for post in thread.posts:  # a thread's change (hidden, removed…) changes its files
                for attachment in post.files:
                    found[f"post-file:{attachment.id}"] = post_file_document(attachment)
    if ids["post-file"]:
        for attachment in session.scalars(
            select(PostFile).options(joinedload(PostFile.post).joinedload(Post.thread)
                                     .joinedload(Thread.category))
            .where(PostFile.id.in_(ids["post-file"]))
        ):
            found[f"post-file:{attachment.id}"] = post_file_document(attachment)


def _load_training(session: Session, ids: dict, found: dict, labels: Vocabulary) -> None:
    if ids["module"]:
        for module in session.scalars(select(Module).options(selectinload(Module.lessons))
                                      .where(Module.id.in_(ids["module"]))):
            found[f"module:{module.id}"] = module_document(module, labels)
            for lesson in module.lessons:  # a module's state is its lessons' state
                found[f"lesson:{lesson.id}"] = lesson_document(lesson, labels)
    if ids["lesson"]:
        for lesson in session.scalars(select(Lesson).options(joinedload(Lesson.module))
                                      .where(Lesson.id.in_(ids["lesson"]))):
            found[f"lesson:{lesson.id}"] = lesson_document(lesson, labels)


def load(session: Session, keys: list[str]) -> dict[str, Document | None]:
    """The current document for each key (None: remove it from the index)."""
    ids = {"practice": set(), "tool": set(), "module": set(), "lesson": set(),
           "discussion": set(), "post-file": set()}
    for key in keys:
        kind, _, raw = key.partition(":")
        if kind in ids and raw.isdigit():
            ids[kind].add(int(raw))
    found: dict[str, Document | None] = dict.fromkeys(keys)
    labels = vocabulary(session) if any(ids.values()) else {}
    _load_training(session, ids, found, labels)
    _load_discussions(session, ids, found)
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
            + session.scalar(select(func.count(PracticeFile.id)))
            + session.scalar(select(func.count(Module.id)))
            + session.scalar(select(func.count(Lesson.id)))
            + session.scalar(select(func.count(Thread.id)))
            + session.scalar(select(func.count(PostFile.id))))


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
    for module in session.scalars(select(Module).options(selectinload(Module.lessons))
                                  .order_by(Module.id)):
        for document in [module_document(module, labels),
                         *(lesson_document(lesson, labels) for lesson in module.lessons)]:
            if document:
                yield document
    for thread in session.scalars(_thread_query().order_by(Thread.id)):
        document = thread_document(thread)
        if document is None:
            continue
        yield document
        for post in thread.posts:
            for attachment in post.files:
                tool = post_file_document(attachment)
                if tool:
                    yield tool
