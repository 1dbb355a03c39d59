"""Import practice sheets from Markdown files with YAML front matter (DESIGN.md format).

Upserts by slug (the file name); idempotent; a file that does not parse is
reported with its name and line, and the others still import. A sheet edited
on the web since its last import is left alone and reported.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import Organisation, OrganisationKind, utcnow
from app.extensions import db
from app.frontmatter import FrontMatterError, line_of, read
from app.library import services, taxonomy
from app.library.models import Practice, PracticeRevision, PracticeStatus, RevisionStatus

KNOWN_KEYS = {"title", "summary", "category", "phase", "sector", "tags", "organisation"}
REQUIRED_KEYS = ("title", "category", "phase", "sector", "organisation")
# The longest values the tables hold (PostgreSQL refuses more; SQLite would keep them).
MAX_LENGTHS = {"title": 200, "summary": 600, "organisation": 200}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 120


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited on the web: not overwritten
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# A bad file: the line to look at and a French message (shared with every content file).
SheetFileError = FrontMatterError


@dataclass
class SheetFile:
    slug: str
    meta: dict
    body: str
    digest: str
    unknown_keys: list[str]


def practice_files(folder: Path) -> list[Path]:
    """The sheet files of a content folder: <DIR>/practices/*.md, or <DIR>/*.md."""
    sub = folder / "practices"
    found = sorted(sub.glob("*.md")) if sub.is_dir() else []
    return found + sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")


def parse_sheet(path: Path) -> SheetFile:
    """Read one file; raises SheetFileError(line, message) in French."""
    if not SLUG.fullmatch(path.stem) or len(path.stem) > MAX_SLUG:
        # The file name is the sheet's address: /pratiques/<slug>.
        raise SheetFileError(1, "le nom du fichier doit être fait de minuscules sans accents, "
                                f"de chiffres et de tirets ({MAX_SLUG} caractères au plus), "
                                "par exemple livret-accueil.md")
    meta, body, header = read(path)
    for key in REQUIRED_KEYS:
        if not str(meta.get(key) or "").strip():
            raise SheetFileError(line_of(header, key) if key in meta else 2,
                                 f"la clé « {key} » est obligatoire")
    for key, limit in MAX_LENGTHS.items():
        if len(str(meta.get(key) or "").strip()) > limit:
            raise SheetFileError(line_of(header, key),
                                 f"« {key} » dépasse {limit} caractères")
    for kind, key in [("category", "category"), ("phase", "phase"), ("sector", "sector")]:
        if not taxonomy.is_valid(kind, str(meta[key])):
            allowed = ", ".join(slug for slug, _ in taxonomy.terms(kind))
            raise SheetFileError(line_of(header, key),
                                 f"{key} inconnu·e « {meta[key]} » (valeurs : {allowed})")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list):
        raise SheetFileError(line_of(header, "tags"), "tags doit être une liste")
    meta["tags"] = services.normalise_tags([str(t) for t in tags])
    return SheetFile(
        slug=path.stem,
        meta=meta,
        body=body,
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
        unknown_keys=sorted(set(meta) - KNOWN_KEYS),
    )


def _organisation(name: str, sector: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(
            name=name, kind=OrganisationKind.EMPLOYER,
            sector=sector if sector in {"ehpad", "domicile", "handicap"} else None,
        )
        db.session.add(organisation)
    return organisation


def import_sheet(sheet: SheetFile, report: ImportReport, force: bool = False) -> None:
    """Upsert one parsed sheet, published at once (curated content)."""
    content = services.SheetContent(
        title=str(sheet.meta["title"]), summary=str(sheet.meta.get("summary") or ""),
        body_md=sheet.body, category=str(sheet.meta["category"]),
        phase=str(sheet.meta["phase"]), sector=str(sheet.meta["sector"]),
        tags=sheet.meta["tags"],
    )
    practice = db.session.scalar(select(Practice).where(Practice.slug == sheet.slug))
    if practice is not None and practice.imported_hash == sheet.digest:
        report.unchanged.append(sheet.slug)
        return
    if (not force and practice is not None and practice.revisions
            and practice.revisions[-1].origin != "import"):
        report.kept.append(sheet.slug)
        return
    organisation = _organisation(str(sheet.meta["organisation"]).strip(), content.sector)
    created = practice is None
    if created:
        practice = Practice(slug=sheet.slug, status=PracticeStatus.DRAFT)
        db.session.add(practice)
    practice.organisation = organisation
    number = practice.revisions[-1].number + 1 if practice.revisions else 1
    revision = PracticeRevision(number=number, origin="import",
                                status=RevisionStatus.SUBMITTED)
    services.fill_content(revision, content)
    practice.revisions.append(revision)
    for earlier in practice.revisions[:-1]:
        if earlier.status == RevisionStatus.PUBLISHED:
            earlier.status = RevisionStatus.SUPERSEDED
    revision.status = RevisionStatus.PUBLISHED
    services.copy_published(practice, revision)
    now = utcnow()
    revision.created_at = revision.updated_at = revision.reviewed_at = now
    practice.published_at = practice.published_at or now
    practice.imported_hash = sheet.digest
    db.session.commit()
    (report.created if created else report.updated).append(sheet.slug)


def import_folder(folder: Path, progress=None, force: bool = False) -> ImportReport:
    """Import every sheet of a folder; never stops at a bad file."""
    report = ImportReport()
    paths = practice_files(folder)
    for path in progress(paths) if progress else paths:
        try:
            sheet = parse_sheet(path)
        except SheetFileError as error:
            report.errors.append(f"{path}:{error.line}: {error.message}")
            continue
        for key in sheet.unknown_keys:
            report.warnings.append(f"{path}: clé inconnue « {key} » ignorée")
        try:
            import_sheet(sheet, report, force=force)
        except Exception as error:  # a database refusal must not stop the other files
            db.session.rollback()
            report.errors.append(f"{path}: enregistrement impossible ({error.__class__.__name__})")
    return report
