"""Reading the library: the filtered, sorted, paginated list and its facet counts.

A constant number of queries whatever the number of sheets: one for the page,
one for its count, one per facet.
"""

import unicodedata
from dataclasses import dataclass

from flask import abort, current_app
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from app.accounts.models import Organisation
from app.extensions import db
from app.library import taxonomy
from app.library.models import Practice, PracticeFile, PracticeStatus, PracticeTag

SORTS = {
    "recentes": "Les plus récentes",
    "adoptees": "Les plus adoptées",
    "utiles": "Les plus utiles",
}
FACETS = ("category", "phase", "sector", "tag", "organisation")
# The toolbox's type filter: URL value → (label, extensions).
FILE_KINDS = {
    "pdf": ("PDF", ["pdf"]),
    "texte": ("Documents texte", ["docx", "odt"]),
    "tableur": ("Tableurs", ["xlsx", "ods"]),
    "image": ("Images", ["png", "jpg", "jpeg"]),
}


MAX_ID = 2**31 - 1  # the largest integer key PostgreSQL and SQLite both accept
MAX_PAGE = 10_000


def _typed(args, name: str, limit: int) -> str:
    """A text argument without control characters (PostgreSQL refuses a NUL in a query)."""
    value = args.get(name, "")[:limit]
    return "".join(c for c in value if unicodedata.category(c) != "Cc")


def _identifier(value: str) -> int | None:
    """A database id from a query string, or None ("²".isdigit() is true, int("²") fails)."""
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def page_number(args) -> int:
    """The ?page= of a list; 404 for what is not a page, as the list's own pages beyond the
    last one are."""
    raw = args.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5 and 1 <= int(raw) <= MAX_PAGE):
        abort(404)
    return int(raw)


@dataclass
class Filters:
    category: str = ""
    phase: str = ""
    sector: str = ""
    tag: str = ""
    organisation: int | None = None
    sort: str = "recentes"

    @classmethod
    def from_args(cls, args) -> "Filters":
        """The filters of a query string; anything hand-made reads as « no filter »."""
        organisation = args.get("organisation", "")
        sort = args.get("tri", "recentes")
        return cls(
            category=_typed(args, "categorie", 40),
            phase=_typed(args, "etape", 40),
            sector=_typed(args, "secteur", 40),
            tag=_typed(args, "mot", 60),
            organisation=_identifier(organisation),
            sort=sort if sort in SORTS else "recentes",
        )

    def as_args(self, **changes) -> dict:
        """Query-string arguments for a link that changes some filters."""
        values = {"categorie": self.category, "etape": self.phase, "secteur": self.sector,
                  "mot": self.tag, "organisation": self.organisation, "tri": self.sort}
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "tri" and v == "recentes")}

    @property
    def active(self) -> bool:
        return any([self.category, self.phase, self.sector, self.tag, self.organisation])


def _filtered(query: Select, filters: Filters, skip: str | None = None) -> Select:
    query = query.where(Practice.status == PracticeStatus.PUBLISHED)
    if filters.category and skip != "category":
        query = query.where(Practice.category == filters.category)
    if filters.phase and skip != "phase":
        query = query.where(Practice.phase == filters.phase)
    if filters.sector and skip != "sector":
        # A sheet for "tous" secteurs applies to every sector.
        query = query.where(Practice.sector.in_([filters.sector, "tous"]))
    if filters.organisation and skip != "organisation":
        query = query.where(Practice.organisation_id == filters.organisation)
    if filters.tag and skip != "tag":
        query = query.where(Practice.id.in_(
            select(PracticeTag.practice_id).where(PracticeTag.name == filters.tag)
        ))
    return query


def practice_page(filters: Filters, page: int = 1):
    """The page of published sheets for these filters, with organisations loaded."""
    # The id last: ties would otherwise come in any order, and a sheet could show on
    # two pages and on none.
    order = {
        "recentes": [Practice.published_at.desc(), Practice.id.desc()],
        "adoptees": [Practice.adoption_count.desc(), Practice.published_at.desc(),
                     Practice.id.desc()],
        "utiles": [Practice.useful_count.desc(), Practice.published_at.desc(),
                   Practice.id.desc()],
    }[filters.sort]
    query = _filtered(select(Practice), filters).options(
        joinedload(Practice.organisation)
    ).order_by(*order)
    return db.paginate(query, page=page, per_page=current_app.config["PAGE_SIZE"])


def file_counts(practice_ids: list[int]) -> dict[int, int]:
    if not practice_ids:
        return {}
    return dict(db.session.execute(
        select(PracticeFile.practice_id, func.count(PracticeFile.id))
        .where(PracticeFile.practice_id.in_(practice_ids))
        .group_by(PracticeFile.practice_id)
    ).all())


def facet_counts(filters: Filters) -> dict[str, list[tuple[str, str, int]]]:
    """For each facet, (value, label, count) under the other facets' filters."""
    facets: dict[str, list[tuple[str, str, int]]] = {}
    for name, column, kind in [
        ("category", Practice.category, "category"),
        ("phase", Practice.phase, "phase"),
        ("sector", Practice.sector, "sector"),
    ]:
        counts = dict(db.session.execute(
            _filtered(select(column, func.count(Practice.id)), filters, skip=name)
            .group_by(column)
        ).all())
        facets[name] = [(slug, label, counts.get(slug, 0)) for slug, label in taxonomy.terms(kind)]
    tag_rows = db.session.execute(
        _filtered(
            select(PracticeTag.name, func.count(PracticeTag.id)).join(
                Practice, Practice.id == PracticeTag.practice_id
            ),
            filters, skip="tag",
        ).group_by(PracticeTag.name).order_by(func.count(PracticeTag.id).desc(),
                                               PracticeTag.name).limit(20)
    ).all()
    facets["tag"] = [(name, name, count) for name, count in tag_rows]
    org_rows = db.session.execute(
        _filtered(
            select(Organisation.id, Organisation.name, func.count(Practice.id)).join(
                Organisation, Organisation.id == Practice.organisation_id
            ),
            filters, skip="organisation",
        ).group_by(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    facets["organisation"] = [(str(i), name, count) for i, name, count in org_rows]
    return facets


def related_practices(practice: Practice, limit: int = 4) -> list[Practice]:
    """Published sheets sharing the category (first) or the phase, most adopted first."""
    same_category = Practice.category == practice.category
    return db.session.scalars(
        select(Practice).options(joinedload(Practice.organisation))
        .where(Practice.status == PracticeStatus.PUBLISHED, Practice.id != practice.id,
               same_category | (Practice.phase == practice.phase))
        .order_by(same_category.desc(), Practice.adoption_count.desc(),
                  Practice.published_at.desc())
        .limit(limit)
    ).all()


def library_summary(user) -> dict:
    """What the home page shows of the library: newest sheets, and work waiting."""
    from app.library import policy
    from app.library.models import PracticeRevision, RevisionStatus

    newest = db.session.scalars(
        select(Practice).options(joinedload(Practice.organisation))
        .where(Practice.status == PracticeStatus.PUBLISHED)
        .order_by(Practice.published_at.desc(), Practice.id.desc()).limit(4)
    ).all()
    total = db.session.scalar(
        select(func.count(Practice.id)).where(Practice.status == PracticeStatus.PUBLISHED)
    )
    to_review = None
    if policy.is_reviewer(user):
        to_review = db.session.scalar(select(func.count(PracticeRevision.id)).where(
            PracticeRevision.status == RevisionStatus.SUBMITTED))
    return {"newest": newest, "total": total, "to_review": to_review,
            "can_create": policy.can_create(user)}


# --- The toolbox: files of published sheets and files shared in public discussions ----

TOOL_SOURCES = {
    "fiches": "Joints à une fiche pratique",
    "discussions": "Partagés dans une discussion",
    "livrets": "Livrets d’accueil vierges",
}


@dataclass
class ToolboxPage:
    """One page of the toolbox, shaped like a Flask-SQLAlchemy page for the pagination macro."""

    items: list  # PracticeFile or PostFile, newest first
    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def toolbox_page(kind: str, category: str, source: str, page: int) -> ToolboxPage:
    """Newest first, in five queries at most whatever the number of tools: the count, the
    page of (source, id), then the sheet files, the discussion files and the blank livrets
    (shared templates offered by trainers) of that page."""
    from app.discussions.models import Post, PostFile, Thread
    from app.onboarding.models import ContractTemplate

    extensions = FILE_KINDS[kind][1] if kind in FILE_KINDS else None
    parts = []
    if source in ("", "fiches"):
        sheets = (select(literal("practice").label("source"), PracticeFile.id.label("id"),
                         PracticeFile.created_at.label("created_at"))
                  .join(Practice, Practice.id == PracticeFile.practice_id)
                  .where(Practice.status == PracticeStatus.PUBLISHED))
        if extensions:
            sheets = sheets.where(PracticeFile.extension.in_(extensions))
        if category:
            sheets = sheets.where(Practice.category == category)
        parts.append(sheets)
    if source in ("", "discussions") and not category:  # threads have no sheet category
        shared = (select(literal("discussion").label("source"), PostFile.id.label("id"),
                         PostFile.created_at.label("created_at"))
                  .join(Post, Post.id == PostFile.post_id)
                  .join(Thread, Thread.id == Post.thread_id)
                  .where(Thread.is_private.is_(False), Thread.removed_at.is_(None),
                         Post.deleted_at.is_(None), Post.hidden_at.is_(None)))
        if extensions:
            shared = shared.where(PostFile.extension.in_(extensions))
        parts.append(shared)
    if source in ("", "livrets") and not category and not kind:  # a page to print, not a file
        parts.append(select(literal("livret").label("source"), ContractTemplate.id.label("id"),
                            ContractTemplate.toolbox_since.label("created_at"))
                     .where(ContractTemplate.organisation_id.is_(None),
                            ContractTemplate.published.is_(True),
                            ContractTemplate.in_toolbox.is_(True)))
    per_page = current_app.config["PAGE_SIZE"]
    if not parts:
        return ToolboxPage([], page, 0, per_page)
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    total = db.session.scalar(select(func.count()).select_from(rows))
    if page > 1 and (page - 1) * per_page >= total:
        abort(404)
    chosen = db.session.execute(
        select(rows.c.source, rows.c.id)
        .order_by(rows.c.created_at.desc(), rows.c.source, rows.c.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    practice_ids = [i for s, i in chosen if s == "practice"]
    post_ids = [i for s, i in chosen if s == "discussion"]
    template_ids = [i for s, i in chosen if s == "livret"]
    found = {}
    if template_ids:
        for t in db.session.scalars(select(ContractTemplate)
                                    .where(ContractTemplate.id.in_(template_ids))):
            found[("livret", t.id)] = t
    if practice_ids:
        for f in db.session.scalars(select(PracticeFile).options(
                joinedload(PracticeFile.practice).joinedload(Practice.organisation))
                .where(PracticeFile.id.in_(practice_ids))):
            found[("practice", f.id)] = f
    if post_ids:
        for f in db.session.scalars(select(PostFile).options(
                joinedload(PostFile.post).joinedload(Post.thread),
                joinedload(PostFile.post).joinedload(Post.author))
                .where(PostFile.id.in_(post_ids))):
            found[("discussion", f.id)] = f
    return ToolboxPage([found[row] for row in map(tuple, chosen) if row in found],
                       page, total, per_page)
