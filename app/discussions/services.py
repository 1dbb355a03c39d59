"""What people do in discussions: ask, reply, edit, delete, thank, mark the useful
answer, follow, report; what moderators decide; the private threads of other domains.

Each service checks the policy, owns the single commit and raises DiscussionError
with a French message (and the form field it belongs to, if any). Notifications
are written in the same transaction, and e-mailed after the commit.
"""

import math
import unicodedata
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app import files
from app.accounts.models import User, utcnow
from app.discussions import mentions, notifications, policy, subjects
from app.discussions.models import (
    REPORT_REASONS,
    Category,
    CategoryWatch,
    ModerationAction,
    Notification,
    NotificationKind,
    Post,
    PostFile,
    PostRevision,
    ReadMarker,
    Report,
    Subscription,
    Thanks,
    Thread,
)
from app.extensions import db
from app.markup import render_markdown

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_FILES = 5
MAX_REASON = 1_000


class DiscussionError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DiscussionError):
    pass


def plain(text: str | None) -> str:
    """Text without NUL characters (PostgreSQL refuses them) nor trailing blanks."""
    return (text or "").replace("\x00", "").rstrip()


def _visible(text: str) -> str:
    """What shows on screen: without control and format characters (a title made of
    zero-width spaces would be an invisible link)."""
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))


def _check_title(title: str) -> str:
    title = " ".join(_visible(plain(title)).split())
    if not title:
        raise DiscussionError("Donnez un titre à votre discussion.", field="title")
    if len(title) > MAX_TITLE:
        raise DiscussionError(f"Le titre fait {len(title)} caractères : {MAX_TITLE} au plus.",
                              field="title")
    return title


def _check_body(body: str) -> str:
    body = plain(body)
    if not _visible(body).strip():
        raise DiscussionError("Écrivez votre message avant de l’envoyer.", field="body")
    if len(body) > MAX_BODY:
        raise DiscussionError(
            f"Le message fait {len(body):,} caractères : {MAX_BODY:,} au plus. "
            "Coupez-le en deux messages, ou joignez un document.".replace(",", "\u202f"),
            field="body")
    return body


def check_rate(actor: User) -> None:
    """A new account posts at most N messages in M minutes (spam, runaway scripts)."""
    if policy.is_moderator(actor):
        return
    config = current_app.config
    now = utcnow()
    if actor.created_at < now - timedelta(days=config["DISCUSSION_NEW_ACCOUNT_DAYS"]):
        return
    limit, minutes = config["DISCUSSION_RATE_LIMIT"], config["DISCUSSION_RATE_MINUTES"]
    recent = list(db.session.scalars(
        select(Post.created_at).where(Post.author_id == actor.id,
                                      Post.created_at >= now - timedelta(minutes=minutes))
        .order_by(Post.created_at)))
    if len(recent) >= limit:
        wait = recent[-limit] + timedelta(minutes=minutes) - now
        left = max(1, math.ceil(wait.total_seconds() / 60))
        raise DiscussionError(
            f"Vous avez publié {limit} messages en moins de {minutes} minutes : c’est la "
            f"limite pour les comptes créés depuis moins de "
            f"{config['DISCUSSION_NEW_ACCOUNT_DAYS']} jours. Vous pourrez publier à nouveau "
            f"dans {left} minute{'s' if left > 1 else ''} ; votre texte est conservé.",
            field="body")


def _check_files(uploads) -> list[files.CheckedFile]:
    chosen = [u for u in uploads or [] if isinstance(u, FileStorage) and u.filename]
    if len(chosen) > MAX_FILES:
        raise DiscussionError(f"Joignez {MAX_FILES} fichiers au plus à un message.",
                              field="files")
    checked = []
    for upload in chosen:
        try:
            checked.append(files.check_upload(upload))
        except files.FileRefused as error:
            name = files.safe_filename(upload.filename or "")
            raise DiscussionError(f"« {name} » : {error.message}", field="files") from error
    return checked


def _attach(post: Post, actor: User, checked: list[files.CheckedFile]) -> None:
    storage = files.storage()
    for item in checked:
        post.files.append(PostFile(
            storage_key=storage.save(item.data, item.extension), filename=item.filename,
            extension=item.extension, content_type=item.content_type, size=item.size,
            uploaded_by_id=actor.id))


def _next_number(thread: Thread, actor: User) -> int:
    """The next post number, taken atomically: two replies at once never share one."""
    now = utcnow()
    number = db.session.scalar(
        update(Thread).where(Thread.id == thread.id)
        .values(last_number=Thread.last_number + 1, last_post_at=now, last_author_id=actor.id)
        .returning(Thread.last_number)
        .execution_options(synchronize_session=False))
    db.session.expire(thread, ["last_number", "last_post_at", "last_author_id"])
    return number


def _follow(thread_id: int, user_id: int) -> None:
    exists = db.session.scalar(select(Subscription.id).where(
        Subscription.thread_id == thread_id, Subscription.user_id == user_id))
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(Subscription(thread_id=thread_id, user_id=user_id))
        except IntegrityError:
            pass  # a double click followed it already


def _set_read(thread_id: int, user_id: int, number: int) -> None:
    marker = db.session.scalar(select(ReadMarker).where(
        ReadMarker.thread_id == thread_id, ReadMarker.user_id == user_id))
    if marker is None:
        try:
            with db.session.begin_nested():
                db.session.add(ReadMarker(thread_id=thread_id, user_id=user_id,
                                          last_read_number=number))
        except IntegrityError:
            pass  # the same person in two tabs
    elif marker.last_read_number < number:
        marker.last_read_number = number
        marker.read_at = utcnow()


def recount(thread: Thread) -> None:
    """The number of replies still shown (deleted and hidden ones do not count)."""
    thread.reply_count = db.session.scalar(select(func.count(Post.id)).where(
        Post.thread_id == thread.id, Post.number > 1, Post.deleted_at.is_(None),
        Post.hidden_at.is_(None)))


def _mention_ids(body: str, actor: User) -> set[int]:
    return {user.id for user in mentions.mentioned_users(body, exclude=actor.id)}


def _notify_post(post: Post, actor: User, kind: NotificationKind, others: set[int]) -> list[int]:
    """The people the post mentions hear of it as a mention; `others` (followers,
    watchers) as `kind` — never both."""
    mentioned = _mention_ids(post.body_md, actor)
    ids = notifications.notify(NotificationKind.MENTION, mentioned, post.thread, post, actor)
    return ids + notifications.notify(kind, others - mentioned, post.thread, post, actor)


# --- Asking and replying ---------------------------------------------------------------


def start_thread(actor: User, category: Category, title: str, body: str, uploads=(),
                 subject: subjects.Subject | None = None) -> Thread:
    """Open a public thread in a category, optionally about a sheet, module or lesson."""
    if category is None or not policy.can_start_thread(actor, category):
        raise DiscussionError("Choisissez une catégorie ouverte dans la liste.",
                              field="category_id")
    title = _check_title(title)
    body = _check_body(body)
    check_rate(actor)
    checked = _check_files(uploads)
    now = utcnow()
    thread = Thread(category=category, title=title, author=actor, last_number=1,
                    last_post_at=now, last_author=actor, created_at=now,
                    subject_type=subject.kind if subject and subject.visible else None,
                    subject_id=subject.id if subject and subject.visible else None)
    post = Post(number=1, author=actor, body_md=body, body_html=str(render_markdown(body)),
                created_at=now)
    thread.posts.append(post)
    _attach(post, actor, checked)
    db.session.add(thread)
    db.session.flush()
    db.session.add(Subscription(thread_id=thread.id, user_id=actor.id))
    db.session.add(ReadMarker(thread_id=thread.id, user_id=actor.id, last_read_number=1))
    watchers = set(db.session.scalars(select(CategoryWatch.user_id).where(
        CategoryWatch.category_id == category.id)))
    ids = _notify_post(post, actor, NotificationKind.NEW_THREAD, watchers)
    db.session.commit()
    notifications.deliver_immediate(ids)
    return thread


def reply(actor: User, thread: Thread, body: str, uploads=()) -> Post:
    """Add a post at the end of a thread; followers and people mentioned are notified."""
    if not policy.can_reply(actor, thread):
        if thread.locked and policy.can_view_thread(actor, thread):
            raise PermissionDenied("Cette discussion est verrouillée : on ne peut plus y "
                                   "répondre.")
        raise PermissionDenied("Vous ne pouvez pas répondre dans cette discussion.")
    body = _check_body(body)
    check_rate(actor)
    checked = _check_files(uploads)
    number = _next_number(thread, actor)
    post = Post(thread_id=thread.id, number=number, author=actor, body_md=body,
                body_html=str(render_markdown(body)), created_at=utcnow())
    _attach(post, actor, checked)
    db.session.add(post)
    db.session.flush()
    if number > 1:
        thread.reply_count = Thread.reply_count + 1
    _follow(thread.id, actor.id)
    _set_read(thread.id, actor.id, number)
    if thread.is_private:
        # A few people around one record (a contract): each message is for all of them.
        readers = policy.audience(thread) or set()
    else:
        readers = set(db.session.scalars(select(Subscription.user_id).where(
            Subscription.thread_id == thread.id)))
    ids = _notify_post(post, actor, NotificationKind.REPLY, readers)
    subjects.record(actor, thread, f"Message n° {number} écrit dans le fil privé")
    db.session.commit()
    db.session.refresh(thread)
    notifications.deliver_immediate(ids)
    return post


def open_private_thread(kind: str, subject_id: int, title: str, commit: bool = True) -> Thread:
    """The private thread of a record of another domain (created once, without posts).

    commit=False: the caller creates its record and the thread in one transaction.
    """
    if subjects.private_subject(kind) is None:
        raise ValueError(f"no private subject {kind!r} is registered")
    key = f"{kind}:{subject_id}"
    thread = db.session.scalar(select(Thread).where(Thread.private_key == key))
    if thread is None:
        thread = Thread(title=_check_title(title), is_private=True, private_key=key,
                        subject_type=kind, subject_id=subject_id, last_number=0)
        db.session.add(thread)
        if not commit:
            return thread
        try:
            db.session.commit()
        except IntegrityError:  # opened at the same moment by someone else
            db.session.rollback()
            thread = db.session.scalar(select(Thread).where(Thread.private_key == key))
    return thread


def rename_private_thread(kind: str, subject_id: int, title: str) -> None:
    """Follow the subject's name (the caller commits)."""
    thread = find_private_thread(kind, subject_id)
    if thread is not None:
        thread.title = _check_title(title)


def find_private_thread(kind: str, subject_id: int) -> Thread | None:
    return db.session.scalar(select(Thread).where(Thread.private_key == f"{kind}:{subject_id}"))


def erase_private_thread(kind: str, subject_id: int) -> list[str]:
    """Delete a private thread with its posts (retention). The caller commits, then
    removes the returned stored files (after the commit: a rollback loses no file)."""
    thread = find_private_thread(kind, subject_id)
    if thread is None:
        return []
    keys = list(db.session.scalars(select(PostFile.storage_key).join(PostFile.post)
                                   .where(Post.thread_id == thread.id)))
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(solution_post_id=None))
    db.session.delete(thread)
    return keys


# --- Editing and deleting one's posts -------------------------------------------------------


def edit_post(actor: User, post: Post, body: str, title: str | None = None) -> Post:
    """Replace a post's text (and, for the question of a public thread, the thread's
    title); the earlier text is kept in its history."""
    if not policy.can_edit_post(actor, post):
        raise PermissionDenied("Vous ne pouvez pas modifier ce message.")
    body = _check_body(body)
    if title is not None and post.is_question and not post.thread.is_private:
        post.thread.title = _check_title(title)
    if body == post.body_md:
        db.session.commit()
        return post
    before = _mention_ids(post.body_md, actor)
    post.revisions.append(PostRevision(body_md=post.body_md, body_html=post.body_html,
                                       written_at=post.edited_at or post.created_at))
    post.body_md, post.body_html = body, str(render_markdown(body))
    post.edited_at = utcnow()
    newly = _mention_ids(body, actor) - before
    ids = notifications.notify(NotificationKind.MENTION, newly, post.thread, post, actor)
    db.session.commit()
    notifications.deliver_immediate(ids)
    return post


def delete_post(actor: User, post: Post) -> None:
    """Delete one's own post: its text, earlier versions and files are erased (it may
    have named someone), « Message supprimé » stays in the thread, in its place."""
    if not policy.can_delete_post(actor, post):
        raise PermissionDenied("Vous ne pouvez pas supprimer ce message.")
    thread = post.thread
    post.deleted_at = utcnow()
    post.body_md, post.body_html = "", ""
    post.revisions.clear()
    keys = [f.storage_key for f in post.files]
    post.files.clear()
    if thread.solution_post_id == post.id:
        thread.solution_post_id, thread.solved_at, thread.solved_by_id = None, None, None
    db.session.flush()
    recount(thread)
    if post.is_question and not thread.is_private and thread.reply_count == 0:
        thread.removed_at = post.deleted_at  # a question nobody answered: gone from lists
        _forget_notifications(thread)
    db.session.commit()
    storage = files.storage()
    for key in keys:  # after the commit: a rollback never loses a file still shown
        storage.delete(key)


def erase_history(actor: User, post: Post) -> None:
    """The author erases the earlier versions of their post (an edit that removed a name)."""
    if not _own(actor, post):
        raise PermissionDenied("Seul·e l’auteur·e d’un message efface son historique.")
    post.revisions.clear()
    db.session.commit()


def _own(actor: User, post: Post) -> bool:
    return bool(actor.is_authenticated and post.author_id == actor.id
                and policy.can_view_thread(actor, post.thread))


def _forget_notifications(thread: Thread) -> None:
    """A thread that left the lists: its notifications, which lead nowhere now, are read
    (but for its author's, who still reaches it)."""
    db.session.execute(update(Notification).where(
        Notification.thread_id == thread.id, Notification.read_at.is_(None),
        Notification.user_id != (thread.author_id or 0)).values(read_at=utcnow()))


# --- Thanks and the useful answer --------------------------------------------------------


def thank(actor: User, post: Post, thanked: bool) -> None:
    """« Merci » on a post, or take it back; the author hears of the first one only."""
    if not policy.can_thank(actor, post):
        raise PermissionDenied("Vous ne pouvez pas remercier pour ce message.")
    existing = db.session.scalar(select(Thanks).where(Thanks.post_id == post.id,
                                                      Thanks.user_id == actor.id))
    if thanked and existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(Thanks(post_id=post.id, user_id=actor.id))
        except IntegrityError:
            pass  # a double click: thanked all the same
        else:
            already = db.session.scalar(select(func.count()).select_from(Thanks).where(
                Thanks.post_id == post.id, Thanks.user_id != actor.id))
            if not already and post.author_id:
                notifications.notify(NotificationKind.THANKS, {post.author_id}, post.thread,
                                     post, actor)
    elif not thanked and existing is not None:
        db.session.delete(existing)
    db.session.flush()
    post.thanks_count = db.session.scalar(
        select(func.count(Thanks.id)).where(Thanks.post_id == post.id))
    db.session.commit()


def mark_solution(actor: User, thread: Thread, post: Post | None) -> None:
    """Mark the reply that solved the question (« Réponse utile »), or unmark it."""
    if not policy.can_mark_solution(actor, thread):
        raise PermissionDenied("Seul·es la personne qui a posé la question et les "
                               "formateur·rices choisissent la réponse utile.")
    ids = []
    if post is None:
        thread.solution_post_id, thread.solved_at, thread.solved_by_id = None, None, None
    else:
        if post.thread_id != thread.id or post.number == 1 or not post.is_shown:
            raise DiscussionError("Choisissez une réponse affichée de cette discussion.")
        thread.solution_post_id, thread.solved_at, thread.solved_by_id = (
            post.id, utcnow(), actor.id)
        if post.author_id:
            ids = notifications.notify(NotificationKind.SOLUTION, {post.author_id}, thread,
                                       post, actor)
    db.session.commit()
    notifications.deliver_immediate(ids)


# --- Following ---------------------------------------------------------------------------


def follow(actor: User, thread: Thread, following: bool) -> None:
    if not policy.can_view_thread(actor, thread):
        raise PermissionDenied("Vous ne pouvez pas suivre cette discussion.")
    if following:
        _follow(thread.id, actor.id)
    else:
        db.session.execute(delete(Subscription).where(Subscription.thread_id == thread.id,
                                                      Subscription.user_id == actor.id))
    db.session.commit()


def watch_category(actor: User, category: Category, watching: bool) -> None:
    if not policy.can_start_thread(actor):
        raise PermissionDenied("Vous ne pouvez pas surveiller cette catégorie.")
    if watching and category.archived:
        raise DiscussionError("Cette catégorie est archivée : aucune nouvelle discussion "
                              "n’y sera ouverte.")
    exists = db.session.scalar(select(CategoryWatch.id).where(
        CategoryWatch.category_id == category.id, CategoryWatch.user_id == actor.id))
    if watching and exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(CategoryWatch(category_id=category.id, user_id=actor.id))
        except IntegrityError:
            pass
    elif not watching:
        db.session.execute(delete(CategoryWatch).where(
            CategoryWatch.category_id == category.id, CategoryWatch.user_id == actor.id))
    db.session.commit()


def mark_read(user: User, thread: Thread, number: int, commit: bool = True) -> None:
    """The person has read the thread up to post `number`: its markers and notifications.
    commit=False: the caller commits (a page that records its reads in one transaction)."""
    if not user.is_authenticated:
        return
    if number >= 1:
        _set_read(thread.id, user.id, min(number, thread.last_number))
    notifications.mark_read(user, thread.id, commit=commit)


# --- Reports and moderation --------------------------------------------------------------


def report(actor: User, post: Post, reason: str, comment: str) -> Report:
    """Signal a post to the moderators."""
    if not policy.can_report(actor, post):
        raise PermissionDenied("Vous ne pouvez pas signaler ce message.")
    if reason not in REPORT_REASONS:
        raise DiscussionError("Choisissez une raison dans la liste.", field="reason")
    comment = plain(comment).strip()
    if reason == "autre" and not comment:
        raise DiscussionError("Précisez la raison du signalement.", field="comment")
    if len(comment) > MAX_REASON:
        raise DiscussionError(f"{MAX_REASON} caractères au plus.", field="comment")
    exists = db.session.scalar(select(Report.id).where(Report.post_id == post.id,
                                                       Report.reporter_id == actor.id))
    if exists is not None:
        raise DiscussionError("Vous avez déjà signalé ce message : l’équipe de modération "
                              "va l’examiner.")
    signal = Report(post_id=post.id, reporter_id=actor.id, reason=reason, comment=comment)
    db.session.add(signal)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise DiscussionError("Vous avez déjà signalé ce message : l’équipe de modération "
                              "va l’examiner.") from error
    return signal


def _require_moderator(actor: User, thread: Thread) -> None:
    if not policy.can_moderate(actor, thread):
        raise PermissionDenied("Seul·es les formateur·rices et les administrateur·rices "
                               "modèrent les discussions.")


def _reason(reason: str, required: bool = True) -> str:
    reason = plain(reason).strip()
    if required and not reason:
        raise DiscussionError("Indiquez la raison : la personne concernée la recevra.",
                              field="reason")
    if len(reason) > MAX_REASON:
        raise DiscussionError(f"{MAX_REASON} caractères au plus.", field="reason")
    return reason


def _log(actor: User, action: str, thread: Thread, post: Post | None = None,
         reason: str = "", **details) -> None:
    db.session.add(ModerationAction(actor_id=actor.id, action=action, thread_id=thread.id,
                                    post_id=post.id if post else None, reason=reason,
                                    details=details))


def _resolve_reports(post: Post, actor: User, resolution: str) -> None:
    db.session.execute(update(Report).where(Report.post_id == post.id,
                                            Report.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolved_by_id=actor.id,
                               resolution=resolution))


def hide_post(actor: User, post: Post, reason: str) -> bool:
    """Hide a post from readers, with a reason sent to its author; whether they were told."""
    thread = post.thread
    _require_moderator(actor, thread)
    reason = _reason(reason)
    if post.hidden_at is not None:
        raise DiscussionError("Ce message est déjà masqué.")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = utcnow(), actor.id, reason
    if thread.solution_post_id == post.id:
        thread.solution_post_id, thread.solved_at, thread.solved_by_id = None, None, None
    if post.is_question and not thread.is_private:
        thread.removed_at = post.hidden_at
        _forget_notifications(thread)
    _resolve_reports(post, actor, "hidden")
    _log(actor, "hide", thread, post, reason)
    db.session.flush()
    recount(thread)
    ids = notifications.notify(
        NotificationKind.MODERATION, {post.author_id} if post.author_id else set(), thread,
        post, actor, message=f"Votre message dans « {thread.title} » a été masqué par la "
                             f"modération. Raison : {reason}")
    db.session.commit()
    notifications.deliver_immediate(ids)
    return bool(ids)  # whether its author was told (not a deleted account, nor oneself)


def restore_post(actor: User, post: Post, reason: str = "") -> bool:
    """Show a hidden post again; whether its author was told."""
    thread = post.thread
    _require_moderator(actor, thread)
    reason = _reason(reason, required=False)
    if post.hidden_at is None:
        raise DiscussionError("Ce message n’est pas masqué.")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = None, None, None
    if post.is_question and post.deleted_at is None:
        thread.removed_at = None
    _log(actor, "restore", thread, post, reason)
    db.session.flush()
    recount(thread)
    ids = notifications.notify(
        NotificationKind.MODERATION, {post.author_id} if post.author_id else set(), thread,
        post, actor, message=f"Votre message dans « {thread.title} » est de nouveau visible."
                             + (f" Raison : {reason}" if reason else ""))
    db.session.commit()
    notifications.deliver_immediate(ids)
    return bool(ids)


def dismiss_reports(actor: User, post: Post, reason: str = "") -> None:
    """Close the open reports of a post without hiding it."""
    _require_moderator(actor, post.thread)
    _resolve_reports(post, actor, "dismissed")
    _log(actor, "dismiss", post.thread, post, _reason(reason, required=False))
    db.session.commit()


def set_locked(actor: User, thread: Thread, locked: bool, reason: str = "") -> None:
    _require_moderator(actor, thread)
    reason = _reason(reason, required=locked)
    if thread.locked == locked:
        return
    thread.locked = locked
    _log(actor, "lock" if locked else "unlock", thread, reason=reason)
    message = (f"La discussion « {thread.title} » est verrouillée. Raison : {reason}" if locked
               else f"La discussion « {thread.title} » est rouverte aux réponses.")
    ids = notifications.notify(NotificationKind.MODERATION,
                               {thread.author_id} if thread.author_id else set(), thread,
                               actor=actor, message=message)
    db.session.commit()
    notifications.deliver_immediate(ids)


def set_pinned(actor: User, thread: Thread, pinned: bool) -> None:
    _require_moderator(actor, thread)
    if thread.is_private:
        raise DiscussionError("Un fil privé ne s’épingle pas.")
    if thread.pinned != pinned:
        thread.pinned = pinned
        _log(actor, "pin" if pinned else "unpin", thread)
        db.session.commit()


def move_thread(actor: User, thread: Thread, category: Category | None, reason: str = "") -> None:
    """Move a thread to another category; its author is told where."""
    _require_moderator(actor, thread)
    if thread.is_private:
        raise DiscussionError("Un fil privé n’appartient à aucune catégorie.")
    if category is None or category.archived:
        raise DiscussionError("Choisissez une catégorie ouverte dans la liste.",
                              field="category_id")
    if category.id == thread.category_id:
        raise DiscussionError("La discussion est déjà dans cette catégorie.",
                              field="category_id")
    reason = _reason(reason, required=False)
    before = thread.category.name if thread.category else ""
    thread.category = category
    _log(actor, "move", thread, reason=reason, **{"from": before, "to": category.name})
    ids = notifications.notify(
        NotificationKind.MODERATION, {thread.author_id} if thread.author_id else set(), thread,
        actor=actor, message=f"Votre discussion « {thread.title} » a été déplacée dans "
                             f"« {category.name} »." + (f" Raison : {reason}" if reason else ""))
    db.session.commit()
    notifications.deliver_immediate(ids)


# --- Categories (admins) -----------------------------------------------------------------


def _category_fields(name: str, description: str) -> tuple[str, str]:
    name = " ".join(plain(name).split())
    if not name:
        raise DiscussionError("Donnez un nom à la catégorie.", field="name")
    if len(name) > 120:
        raise DiscussionError("120 caractères au plus.", field="name")
    description = " ".join(plain(description).split())
    if len(description) > 400:
        raise DiscussionError("400 caractères au plus.", field="description")
    return name, description


def create_category(actor: User, name: str, description: str) -> Category:
    from app.library.services import slugify

    if not policy.can_manage_categories(actor):
        raise PermissionDenied("Seul·es les administrateur·rices gèrent les catégories.")
    name, description = _category_fields(name, description)
    if db.session.scalar(select(Category.id).where(func.lower(Category.name) == name.lower())):
        raise DiscussionError("Une catégorie porte déjà ce nom.", field="name")
    base = slugify(name, fallback="categorie")
    taken = set(db.session.scalars(select(Category.slug).where(Category.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(slug=slug, name=name, description=description, position=position)
    db.session.add(category)
    db.session.commit()
    return category


def update_category(actor: User, category: Category, name: str, description: str,
                    archived: bool) -> None:
    if not policy.can_manage_categories(actor):
        raise PermissionDenied("Seul·es les administrateur·rices gèrent les catégories.")
    name, description = _category_fields(name, description)
    clash = db.session.scalar(select(Category.id).where(
        func.lower(Category.name) == name.lower(), Category.id != category.id))
    if clash:
        raise DiscussionError("Une catégorie porte déjà ce nom.", field="name")
    if archived and not category.archived:
        open_ones = db.session.scalar(select(func.count(Category.id)).where(
            Category.archived.is_(False), Category.id != category.id))
        if not open_ones:
            raise DiscussionError("Gardez au moins une catégorie ouverte.", field="archived")
    category.name, category.description, category.archived = name, description, archived
    db.session.commit()


def move_category(actor: User, category: Category, direction: int) -> None:
    """Swap a category with its neighbour in the order shown (direction −1 or +1)."""
    if not policy.can_manage_categories(actor):
        raise PermissionDenied("Seul·es les administrateur·rices gèrent les catégories.")
    ordered = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    index = ordered.index(category)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            item.position = position
        db.session.commit()
