"""Who may do what in discussions. Used by routes, services, search and tests alike.

Public threads are read by every active account. A private thread is read by
those its subject allows (an onboarding contract: its parties), asked through
app/discussions/subjects.py. Trainers and admins moderate what they can read.

A page asks `thread_rights()` once (a private subject may need a query), then
`post_rights()` for each post, which asks nothing more of the database.
"""

from dataclasses import dataclass

from app.accounts.models import User
from app.discussions import subjects
from app.discussions.models import Category, Post, PostFile, Thread
from app.library.policy import is_reviewer


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.active)


def is_moderator(user: User) -> bool:
    """Trainers and admins moderate the discussions."""
    return is_reviewer(user)


def _can_read(user: User, thread: Thread) -> bool:
    if not _active(user):
        return False
    if thread.is_private:
        subject = subjects.private_subject(thread.subject_type)
        return subject is not None and subject.can_view(user, thread.subject_id)
    if thread.removed_at is not None:  # its question was deleted or hidden
        return is_moderator(user) or thread.author_id == user.id
    return True


@dataclass(frozen=True)
class ThreadRights:
    view: bool = False
    reply: bool = False
    moderate: bool = False
    mark_solution: bool = False
    author: bool = False  # the person asked the question


def thread_rights(user: User, thread: Thread) -> ThreadRights:
    if not _can_read(user, thread):
        return ThreadRights()
    moderate = is_moderator(user)  # and, as they read it, they moderate it
    open_ = thread.removed_at is None
    author = thread.author_id == user.id
    return ThreadRights(
        view=True,
        reply=open_ and (not thread.locked or moderate),
        moderate=moderate,
        mark_solution=open_ and not thread.is_private and (author or moderate),
        author=author,
    )


@dataclass(frozen=True)
class PostRights:
    edit: bool = False
    delete: bool = False
    thank: bool = False
    report: bool = False
    read_hidden: bool = False
    solution: bool = False  # may be chosen as the useful answer by this person
    locked_out: bool = False  # one's own post, in a thread locked since: no more edits


def post_rights(user: User, rights: ThreadRights, post: Post) -> PostRights:
    if not rights.view:
        return PostRights()
    own = post.author_id is not None and post.author_id == user.id
    shown = post.is_shown
    return PostRights(
        edit=own and shown and rights.reply,
        delete=own and post.deleted_at is None,
        thank=shown and not own,
        report=shown and not own,
        read_hidden=own or rights.moderate,
        solution=rights.mark_solution and shown and post.number > 1,
        locked_out=own and shown and post.thread.locked and not rights.reply,
    )


# --- One object at a time (services) --------------------------------------------------


def can_view_thread(user: User, thread: Thread) -> bool:
    return thread_rights(user, thread).view


def can_moderate(user: User, thread: Thread) -> bool:
    """Moderators, on the threads they can read (a contract's thread: admins only)."""
    return thread_rights(user, thread).moderate


def can_reply(user: User, thread: Thread) -> bool:
    return thread_rights(user, thread).reply


def can_mark_solution(user: User, thread: Thread) -> bool:
    """The person who asked, and moderators, on a public thread."""
    return thread_rights(user, thread).mark_solution


def can_start_thread(user: User, category: Category | None = None) -> bool:
    return _active(user) and (category is None or not category.archived)


def _post(user: User, post: Post) -> PostRights:
    return post_rights(user, thread_rights(user, post.thread), post)


def can_edit_post(user: User, post: Post) -> bool:
    """Authors edit their own posts while they are shown and the thread is open."""
    return _post(user, post).edit


def can_delete_post(user: User, post: Post) -> bool:
    return _post(user, post).delete


def can_thank(user: User, post: Post) -> bool:
    return _post(user, post).thank


def can_report(user: User, post: Post) -> bool:
    return _post(user, post).report


def can_read_hidden(user: User, post: Post) -> bool:
    """A hidden post's text: its author (to understand why) and moderators."""
    return _post(user, post).read_hidden


def can_view_history(user: User, post: Post) -> bool:
    """Earlier versions may hold what the author took out (a name): the author and the
    moderators read them, nobody else."""
    return _post(user, post).read_hidden


def can_download(user: User, attachment: PostFile) -> bool:
    post = attachment.post
    rights = thread_rights(user, post.thread)
    return rights.view and (post.is_shown or post_rights(user, rights, post).read_hidden)


def can_manage_categories(user: User) -> bool:
    return _active(user) and user.is_admin


def audience(thread: Thread) -> set[int] | None:
    """Who may read the thread: None for everyone (a public thread)."""
    if not thread.is_private:
        return None
    subject = subjects.private_subject(thread.subject_type)
    return subject.audience(thread.subject_id) if subject else set()
