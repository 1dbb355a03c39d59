"""What people do with practice sheets: write, submit, review, publish, adopt, vote, attach.

Each service checks the policy, owns the single commit and raises LibraryError
with a French message (and the form field it belongs to, if any).
"""

import logging
import re
import smtplib
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app import files
from app.accounts.models import Organisation, User, folded, utcnow
from app.extensions import db
from app.library import policy, taxonomy
from app.library.models import (
    Adoption,
    Practice,
    PracticeFile,
    PracticeRevision,
    PracticeStatus,
    PracticeTag,
    RevisionStatus,
    TaxonomyKind,
    UsefulVote,
)
from app.mailer import external_url, send_mail
from app.markup import render_markdown

MAX_TAGS = 10
log = logging.getLogger(__name__)


class LibraryError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(LibraryError):
    pass


@dataclass
class SheetContent:
    """What an author writes: the fields of a revision."""

    title: str
    summary: str
    body_md: str
    category: str
    phase: str
    sector: str
    tags: list[str] = field(default_factory=list)


def slugify(text: str, limit: int = 80, fallback: str = "fiche") -> str:
    """"Le café d’accueil" → "le-cafe-d-accueil": accents dropped, any other sign a hyphen."""
    # Only the accents go; a typographic apostrophe separates words like a plain one
    # ("d’accueil" is not "daccueil") and the ligatures keep their letters.
    slug = re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-")
    return slug[:limit].rstrip("-") or fallback


def plain(text: str) -> str:
    """Text without NUL characters, which PostgreSQL refuses to store."""
    return text.replace("\x00", "")


def normalise_tags(raw: list[str] | str) -> list[str]:
    """Trimmed, single-spaced, deduplicated (case-insensitively) tags, 10 at most."""
    items = raw.split(",") if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        tag = " ".join(plain(str(item)).split())[:60]
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags[:MAX_TAGS]


def check_content(content: SheetContent) -> None:
    """Raise LibraryError for the first field a reviewer could not accept."""
    if not plain(content.title).strip():
        raise LibraryError("Donnez un titre à la fiche.", field="title")
    for kind, name, message in [
        (TaxonomyKind.CATEGORY, "category", "Choisissez une catégorie dans la liste."),
        (TaxonomyKind.PHASE, "phase", "Choisissez une étape de l’accueil dans la liste."),
        (TaxonomyKind.SECTOR, "sector", "Choisissez un secteur dans la liste."),
    ]:
        if not taxonomy.is_valid(kind, getattr(content, name)):
            raise LibraryError(message, field=name)


def unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(db.session.scalars(
        select(Practice.slug).where(Practice.slug.like(f"{base}%"))
    ))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def fill_content(target, content: SheetContent) -> None:
    target.title = plain(content.title).strip()
    target.summary = plain(content.summary).strip()
    target.body_md = plain(content.body_md)
    target.body_html = str(render_markdown(target.body_md))
    target.category = content.category
    target.phase = content.phase
    target.sector = content.sector
    target.tags = normalise_tags(content.tags)


def open_revision(practice: Practice) -> PracticeRevision | None:
    """The revision being written or reviewed, if any."""
    latest = practice.revisions[-1] if practice.revisions else None
    return latest if latest is not None and latest.is_open else None


def create_practice(actor: User, organisation: Organisation, content: SheetContent,
                    origin: str = "web", slug: str | None = None) -> Practice:
    """Start a sheet for an organisation: a draft, visible to its employers and trainers."""
    allowed = policy.is_reviewer(actor) or organisation in policy.contributing_organisations(
        actor
    )
    if not allowed:
        raise PermissionDenied("Vous ne pouvez pas écrire de fiche pour cette organisation.")
    check_content(content)
    practice = Practice(slug=slug or unique_slug(content.title), organisation=organisation,
                        created_by=actor, status=PracticeStatus.DRAFT)
    fill_content(practice, content)
    revision = PracticeRevision(number=1, origin=origin, author=actor)
    fill_content(revision, content)
    practice.revisions.append(revision)
    db.session.add(practice)
    db.session.commit()
    return practice


def save_revision(actor: User, practice: Practice, content: SheetContent) -> PracticeRevision:
    """Save an edit: into the open revision, or as a new revision of a published sheet."""
    if not policy.can_edit(actor, practice):
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche.")
    check_content(content)
    revision = open_revision(practice)
    if revision is None:
        number = practice.revisions[-1].number + 1 if practice.revisions else 1
        revision = PracticeRevision(number=number, author=actor)
        practice.revisions.append(revision)
    else:
        revision.updated_at = utcnow()
        if revision.status == RevisionStatus.CHANGES_REQUESTED:
            revision.status = RevisionStatus.DRAFT
    revision.author = actor
    fill_content(revision, content)
    if practice.status == PracticeStatus.DRAFT:
        fill_content(practice, content)  # an unpublished sheet shows its draft to its authors
    db.session.commit()
    return revision


def submit(actor: User, practice: Practice) -> PracticeRevision:
    """Send the open revision to the trainers for review."""
    if not policy.can_edit(actor, practice):
        raise PermissionDenied("Vous ne pouvez pas soumettre cette fiche.")
    revision = open_revision(practice)
    if revision is None or revision.status == RevisionStatus.SUBMITTED:
        raise LibraryError("Il n’y a pas de modification à soumettre.")
    revision.status = RevisionStatus.SUBMITTED
    revision.submitted_at = utcnow()
    db.session.commit()
    return revision


def publish(actor: User, practice: Practice) -> PracticeRevision:
    """Publish the open revision (trainers and admins): readers see it at once."""
    if not policy.can_review(actor, practice):
        raise PermissionDenied("Seul·es les formateur·rices publient les fiches.")
    revision = open_revision(practice)
    if revision is None:
        raise LibraryError("Il n’y a pas de version à publier.")
    now = utcnow()
    for earlier in practice.revisions:
        if earlier.status == RevisionStatus.PUBLISHED:
            earlier.status = RevisionStatus.SUPERSEDED
    revision.status = RevisionStatus.PUBLISHED
    revision.reviewed_at, revision.reviewer = now, actor
    copy_published(practice, revision)
    practice.published_at = practice.published_at or now
    db.session.commit()
    _tell_author(revision, actor, "sheet_published", "Votre fiche est publiée")
    return revision


def copy_published(practice: Practice, revision: PracticeRevision) -> None:
    for name in ("title", "summary", "body_md", "body_html", "category", "phase", "sector"):
        setattr(practice, name, getattr(revision, name))
    practice.tags = list(revision.tags)
    practice.status = PracticeStatus.PUBLISHED
    existing = {row.name: row for row in practice.tag_rows}
    practice.tag_rows = [existing.get(tag) or PracticeTag(name=tag) for tag in practice.tags]


def request_changes(actor: User, practice: Practice, comment: str) -> PracticeRevision:
    """Send the revision back to its authors with a comment."""
    if not policy.can_review(actor, practice):
        raise PermissionDenied("Seul·es les formateur·rices relisent les fiches.")
    if not plain(comment).strip():
        raise LibraryError("Expliquez ce qui est à reprendre.", field="comment")
    revision = open_revision(practice)
    if revision is None:
        raise LibraryError("Il n’y a pas de version en relecture.")
    revision.status = RevisionStatus.CHANGES_REQUESTED
    revision.review_comment = plain(comment).strip()
    revision.reviewed_at, revision.reviewer = utcnow(), actor
    db.session.commit()
    _tell_author(revision, actor, "sheet_changes_requested", "Votre fiche est à reprendre")
    return revision


def _tell_author(revision: PracticeRevision, reviewer: User, template: str, subject: str):
    """E-mail the review decision to the revision's author (not to oneself)."""
    author = revision.author
    if author is None or author.id == reviewer.id or not author.active:
        return
    try:
        send_mail(author.email, f"{subject} : {revision.title}", template, revision=revision,
                  reviewer=reviewer,
                  link=external_url("library.detail", slug=revision.practice.slug))
    except (OSError, smtplib.SMTPException):
        # The decision is committed and shown on the sheet: a mail server that is down
        # must not turn it into an error page saying that nothing was saved.
        log.exception("Review e-mail to %s not sent", author.email)


# --- Adoption and votes --------------------------------------------------------


def _recount(practice: Practice) -> None:
    practice.adoption_count = db.session.scalar(
        select(func.count(Adoption.id)).where(Adoption.practice_id == practice.id)
    )
    practice.useful_count = db.session.scalar(
        select(func.count(UsefulVote.id)).where(
            UsefulVote.practice_id == practice.id, UsefulVote.useful.is_(True)
        )
    )


def set_adoption(actor: User, practice: Practice, organisation: Organisation,
                 adopted: bool) -> None:
    """« Nous le faisons aussi » for an organisation, or take it back."""
    if organisation not in policy.adopting_organisations(actor, practice):
        raise PermissionDenied("Vous ne pouvez pas répondre pour cette organisation.")
    existing = db.session.scalar(select(Adoption).where(
        Adoption.practice_id == practice.id, Adoption.organisation_id == organisation.id))
    if adopted and existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(Adoption(practice_id=practice.id, organisation_id=organisation.id,
                                        adopted_by_id=actor.id))
        except IntegrityError:
            pass  # a double click or a colleague got there first: adopted all the same
    elif not adopted and existing is not None:
        db.session.delete(existing)
    db.session.flush()
    _recount(practice)
    db.session.commit()


def vote(actor: User, practice: Practice, useful: bool) -> None:
    """One answer per person to « Cette fiche vous a-t-elle été utile ? »; a new one replaces it."""
    if not policy.can_vote(actor, practice):
        raise PermissionDenied("Vous ne pouvez pas évaluer cette fiche.")
    existing = db.session.scalar(select(UsefulVote).where(
        UsefulVote.practice_id == practice.id, UsefulVote.user_id == actor.id))
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(UsefulVote(practice_id=practice.id, user_id=actor.id,
                                          useful=useful))
        except IntegrityError:
            # A double click got there first: this answer replaces that one.
            db.session.execute(update(UsefulVote).where(
                UsefulVote.practice_id == practice.id, UsefulVote.user_id == actor.id,
            ).values(useful=useful))
    else:
        existing.useful = useful
    db.session.flush()
    _recount(practice)
    db.session.commit()


# --- Files ----------------------------------------------------------------------


def attach_file(actor: User, practice: Practice, upload: FileStorage) -> PracticeFile:
    """Check and store a tool attached to the sheet; raises LibraryError when refused."""
    if not policy.can_edit(actor, practice):
        raise PermissionDenied("Vous ne pouvez pas ajouter de fichier à cette fiche.")
    try:
        checked = files.check_upload(upload)
    except files.FileRefused as error:
        raise LibraryError(error.message, field="file") from error
    key = files.storage().save(checked.data, checked.extension)
    attachment = PracticeFile(
        practice=practice, storage_key=key, filename=checked.filename,
        extension=checked.extension, content_type=checked.content_type, size=checked.size,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def remove_file(actor: User, attachment: PracticeFile) -> None:
    if not policy.can_edit(actor, attachment.practice):
        raise PermissionDenied("Vous ne pouvez pas retirer ce fichier.")
    key = attachment.storage_key
    db.session.delete(attachment)
    db.session.commit()
    files.storage().delete(key)  # after the commit: a rollback never loses a file in use
