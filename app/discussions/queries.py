"""Reading discussions: the lists, a thread's posts, the moderation queue, in a
constant number of queries whatever the number of rows."""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import Membership, User
from app.discussions.models import (
    Category,
    CategoryWatch,
    ModerationAction,
    Notification,
    Post,
    ReadMarker,
    Report,
    SubjectKind,
    Subscription,
    Thanks,
    Thread,
)
from app.extensions import db

FILTERS = {
    "recents": "Récentes",
    "sans-reponse": "Sans réponse",
    "resolues": "Résolues",
    "mes-discussions": "Mes discussions",
}


def public_threads() -> Select:
    """Threads everyone may list: public, with their question shown."""
    return select(Thread).where(Thread.is_private.is_(False), Thread.removed_at.is_(None))


def _filtered(query: Select, name: str, user: User, in_category: bool) -> Select:
    if name == "sans-reponse":
        return query.where(Thread.reply_count == 0, Thread.solution_post_id.is_(None),
                           Thread.locked.is_(False)).order_by(Thread.created_at.desc(),
                                                              Thread.id.desc())
    if name == "resolues":
        query = query.where(Thread.solution_post_id.is_not(None))
    elif name == "mes-discussions":
        followed = exists().where(Subscription.thread_id == Thread.id,
                                  Subscription.user_id == user.id)
        query = query.where(or_(Thread.author_id == user.id, followed))
    if in_category:
        # In a category, pinned threads first, then those already solved: a question
        # with its answer is what someone new to the category looks for first.
        return query.order_by(Thread.pinned.desc(), Thread.solution_post_id.is_(None),
                              Thread.last_post_at.desc(), Thread.id.desc())
    return query.order_by(Thread.last_post_at.desc(), Thread.id.desc())


@dataclass
class ThreadRow:
    thread: Thread
    new_posts: int  # posts the person has not read (0: read)
    first_unread: int  # the number of the first of them
    never_opened: bool


def _rows(threads: list[Thread], user: User) -> list[ThreadRow]:
    markers = dict(db.session.execute(
        select(ReadMarker.thread_id, ReadMarker.last_read_number).where(
            ReadMarker.user_id == user.id, ReadMarker.thread_id.in_([t.id for t in threads]))
    ).all()) if threads else {}
    rows = []
    for thread in threads:
        read = markers.get(thread.id)
        if read is None:
            # What happened before the person joined is not news to them.
            new = thread.last_number if thread.last_post_at > user.created_at else 0
            rows.append(ThreadRow(thread, new, 1, True))
        else:
            rows.append(ThreadRow(thread, max(0, thread.last_number - read), read + 1, False))
    return rows


@dataclass
class ThreadPage:
    rows: list[ThreadRow]
    page: int
    pages: int
    total: int
    has_prev: bool = False
    has_next: bool = False
    prev_num: int | None = None
    next_num: int | None = None


def thread_page(user: User, filter_name: str, page: int, category: Category | None = None,
                per_page: int | None = None) -> ThreadPage:
    """One page of public threads with their unread markers."""
    query = public_threads().options(
        joinedload(Thread.category), selectinload(Thread.author),
        selectinload(Thread.last_author))
    if category is not None:
        query = query.where(Thread.category_id == category.id)
    query = _filtered(query, filter_name if filter_name in FILTERS else "recents", user,
                      category is not None)
    found = db.paginate(query, page=page, per_page=per_page or current_app.config["PAGE_SIZE"])
    return ThreadPage(rows=_rows(list(found.items), user), page=found.page, pages=found.pages,
                      total=found.total, has_prev=found.has_prev, has_next=found.has_next,
                      prev_num=found.prev_num, next_num=found.next_num)


@dataclass
class CategorySummary:
    category: Category
    threads: int = 0
    last_post_at: object = None


def category_summaries(include_archived: bool = False) -> list[CategorySummary]:
    """The categories in order, with their thread count and last activity (two queries)."""
    query = select(Category).order_by(Category.position, Category.id)
    if not include_archived:
        query = query.where(Category.archived.is_(False))
    categories = list(db.session.scalars(query))
    counts = {row[0]: row[1:] for row in db.session.execute(
        select(Thread.category_id, func.count(Thread.id), func.max(Thread.last_post_at))
        .where(Thread.is_private.is_(False), Thread.removed_at.is_(None))
        .group_by(Thread.category_id))}
    return [CategorySummary(c, *counts.get(c.id, (0, None))) for c in categories]


def open_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.archived.is_(False))
                                   .order_by(Category.position, Category.id)))


def subject_threads(kind: str, ids: list[int], limit: int = 5) -> tuple[list[Thread], int]:
    """The latest public threads about a sheet, a module (with its lessons) or a lesson,
    and how many there are."""
    if not ids:
        return [], 0
    return _most_useful(
        public_threads().where(Thread.subject_type == kind, Thread.subject_id.in_(ids)), limit)


def module_threads(module, limit: int = 5) -> tuple[list[Thread], int]:
    """Threads about a module or any of its lessons."""
    lesson_ids = [lesson.id for lesson in module.lessons]
    return _most_useful(public_threads().where(or_(
        and_(Thread.subject_type == SubjectKind.MODULE, Thread.subject_id == module.id),
        and_(Thread.subject_type == SubjectKind.LESSON, Thread.subject_id.in_(lesson_ids)),
    )), limit)


def _most_useful(query: Select, limit: int) -> tuple[list[Thread], int]:
    """The solved threads first, then the most recently active; and how many in all."""
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    threads = list(db.session.scalars(
        query.options(selectinload(Thread.author))
        .order_by(Thread.solution_post_id.is_(None), Thread.last_post_at.desc())
        .limit(limit))) if total else []
    return threads, total


# --- One thread ------------------------------------------------------------------------


@dataclass
class PostPage:
    posts: list[Post]
    page: int
    pages: int
    total: int
    thanked: set[int] = field(default_factory=set)  # posts the person thanked
    reports: dict[int, int] = field(default_factory=dict)  # open reports per post (moderators)


def page_of(number: int, per_page: int) -> int:
    return max(1, (number - 1) // per_page + 1)


def post_page(thread: Thread, user: User, page: int, per_page: int,
              with_reports: bool = False) -> PostPage:
    """One page of a thread's posts with their authors, files and the person's thanks."""
    query = (select(Post).options(
        selectinload(Post.author).selectinload(User.memberships)
        .joinedload(Membership.organisation),
        selectinload(Post.files))
        .where(Post.thread_id == thread.id).order_by(Post.number))
    found = db.paginate(query, page=page, per_page=per_page)
    posts = list(found.items)
    ids = [p.id for p in posts]
    thanked = thanked_posts(user, ids)
    reports = {}
    if with_reports and ids:
        reports = dict(db.session.execute(
            select(Report.post_id, func.count(Report.id))
            .where(Report.post_id.in_(ids), Report.resolved_at.is_(None))
            .group_by(Report.post_id)).all())
    return PostPage(posts=posts, page=found.page, pages=max(found.pages, 1), total=found.total,
                    thanked=thanked, reports=reports)


def thanked_posts(user: User, post_ids: list[int]) -> set[int]:
    """Which of these posts the person thanked."""
    if not post_ids:
        return set()
    return set(db.session.scalars(select(Thanks.post_id).where(
        Thanks.user_id == user.id, Thanks.post_id.in_(post_ids))))


def is_following(thread: Thread, user: User) -> bool:
    return db.session.scalar(select(Subscription.id).where(
        Subscription.thread_id == thread.id, Subscription.user_id == user.id)) is not None


def is_watching(category: Category, user: User) -> bool:
    return db.session.scalar(select(CategoryWatch.id).where(
        CategoryWatch.category_id == category.id, CategoryWatch.user_id == user.id)) is not None


# --- Moderation and notifications --------------------------------------------------------------


@dataclass
class ReportedPost:
    post: Post
    reports: list[Report]


def reported_posts(include_private: bool) -> list[ReportedPost]:
    """Posts with open reports, the oldest report first."""
    query = (select(Report).join(Report.post).join(Post.thread)
             .options(joinedload(Report.reporter),
                      joinedload(Report.post).joinedload(Post.thread),
                      joinedload(Report.post).joinedload(Post.author))
             .where(Report.resolved_at.is_(None))
             .order_by(Report.created_at, Report.id))
    if not include_private:
        query = query.where(Thread.is_private.is_(False))
    grouped: dict[int, ReportedPost] = {}
    for report in db.session.scalars(query):
        entry = grouped.setdefault(report.post_id, ReportedPost(report.post, []))
        entry.reports.append(report)
    return list(grouped.values())


def open_report_count(include_private: bool) -> int:
    query = select(func.count(func.distinct(Report.post_id))).where(Report.resolved_at.is_(None))
    if not include_private:
        query = query.join(Report.post).join(Post.thread).where(Thread.is_private.is_(False))
    return db.session.scalar(query)


def moderation_log(page: int, per_page: int):
    return db.paginate(
        select(ModerationAction).options(joinedload(ModerationAction.actor),
                                         joinedload(ModerationAction.thread))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()),
        page=page, per_page=per_page)


def notification_page(user: User, page: int, per_page: int):
    return db.paginate(
        select(Notification)
        .options(joinedload(Notification.thread).joinedload(Thread.category),
                 joinedload(Notification.post), joinedload(Notification.actor))
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=page, per_page=per_page)


def watched_categories(user: User) -> set[int]:
    return set(db.session.scalars(select(CategoryWatch.category_id).where(
        CategoryWatch.user_id == user.id)))



def home_summary(user: User) -> dict:
    """What the home page shows of discussions: the latest active threads and how many
    questions wait for an answer (three queries)."""
    threads = list(db.session.scalars(
        public_threads().options(joinedload(Thread.category), selectinload(Thread.last_author))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc()).limit(4)))
    waiting = db.session.scalar(select(func.count(Thread.id)).where(
        Thread.is_private.is_(False), Thread.removed_at.is_(None), Thread.reply_count == 0,
        Thread.solution_post_id.is_(None), Thread.locked.is_(False)))
    return {"rows": _rows(threads, user), "waiting": waiting}


@dataclass
class PrivateSection:
    """A private thread as its subject's page shows it: the latest posts and the box."""

    thread: Thread
    rights: object  # policy.ThreadRights
    posts: list[Post]
    post_rights: dict
    thanked: set[int]
    reports: dict[int, int]


def private_section(thread: Thread | None, user: User, rights, limit: int = 5):
    """The last `limit` posts of a private thread with what the person may do (constant
    queries); None when there is no thread or the person may not read it."""
    from app.discussions import policy

    if thread is None or not rights.view:
        return None
    posts = list(reversed(db.session.scalars(
        select(Post).options(
            selectinload(Post.author).selectinload(User.memberships)
            .joinedload(Membership.organisation),
            selectinload(Post.files))
        .where(Post.thread_id == thread.id).order_by(Post.number.desc()).limit(limit)).all()))
    ids = [p.id for p in posts]
    reports = {}
    if rights.moderate and ids:
        reports = dict(db.session.execute(
            select(Report.post_id, func.count(Report.id))
            .where(Report.post_id.in_(ids), Report.resolved_at.is_(None))
            .group_by(Report.post_id)).all())
    return PrivateSection(thread=thread, rights=rights, posts=posts,
                          post_rights={p.id: policy.post_rights(user, rights, p) for p in posts},
                          thanked=thanked_posts(user, ids), reports=reports)


def personal_data(user: User) -> dict:
    """What discussions hold about a person, for their data download: their messages
    (one query, however many), their e-mail preference, what they follow."""
    from app.discussions.notifications import frequency_of

    posts = db.session.scalars(
        select(Post).options(joinedload(Post.thread))
        .where(Post.author_id == user.id, Post.deleted_at.is_(None))
        .order_by(Post.created_at, Post.id)).all()
    followed = db.session.scalars(
        select(Thread.title).join(Subscription, Subscription.thread_id == Thread.id)
        .where(Subscription.user_id == user.id).order_by(Thread.id)).all()
    return {
        "messages": [{
            "discussion": post.thread.title,
            "fil_prive": post.thread.is_private,
            "numero": post.number,
            "ecrit_le": post.created_at.isoformat(timespec="seconds") + "Z",
            "modifie_le": (post.edited_at.isoformat(timespec="seconds") + "Z"
                           if post.edited_at else None),
            "masque_par_la_moderation": post.hidden_at is not None,
            "texte": post.body_md,
        } for post in posts],
        "discussions_suivies": list(followed),
        "notifications_par_e_mail": frequency_of(user),
    }
