"""Notifications: written in the same transaction as what caused them, one statement
for all recipients; e-mailed at once, in a daily or weekly digest, or never, as each
person chose (default: the daily digest).

A notification about a private thread only ever reaches the thread's audience,
and its e-mails never quote the thread: they say where to read it.
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, url_for
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import Membership, Role, User, utcnow
from app.discussions import policy
from app.discussions.models import (
    DEFAULT_FREQUENCY,
    EmailFrequency,
    Notification,
    NotificationKind,
    NotificationSettings,
    Post,
    Thread,
)
from app.extensions import db
from app.mailer import external_url, one_connection, send_mail
from app.markup import plain_text

log = logging.getLogger(__name__)

# « Merci » stays in the notification centre: a digest is for what needs reading.
EMAILED_KINDS = [k.value for k in NotificationKind if k != NotificationKind.THANKS]
UNANSWERED_AFTER = timedelta(hours=48)
UNANSWERED_SINCE = timedelta(days=30)  # older questions are not brought back


def notify(kind: NotificationKind, recipients, thread: Thread | None, post: Post | None = None,
           actor: User | None = None, message: str = "") -> list[int]:
    """Add one notification per recipient, without a query per recipient; returns their ids.

    The actor never notifies themself; inactive accounts and, for a private
    thread, anyone outside its audience are left out. The caller commits.
    """
    wanted = {int(r) for r in recipients} - ({actor.id} if actor else set())
    if thread is not None:
        allowed = policy.audience(thread)
        if allowed is not None:
            wanted &= allowed
    if not wanted:
        return []
    active = set(db.session.scalars(
        select(User.id).where(User.id.in_(wanted), User.active.is_(True))))
    if not active:
        return []
    now = utcnow()
    rows = [{"user_id": user_id, "kind": kind.value, "thread_id": thread.id if thread else None,
             "post_id": post.id if post else None, "actor_id": actor.id if actor else None,
             "message": message, "created_at": now} for user_id in sorted(active)]
    return list(db.session.scalars(insert(Notification).returning(Notification.id), rows))


def frequencies(user_ids) -> dict[int, str]:
    """Each person's e-mail preference (default for those who never chose)."""
    chosen = dict(db.session.execute(
        select(NotificationSettings.user_id, NotificationSettings.email_frequency)
        .where(NotificationSettings.user_id.in_(set(user_ids)))).all())
    return {user_id: chosen.get(user_id, DEFAULT_FREQUENCY.value) for user_id in user_ids}


def frequency_of(user: User) -> str:
    return frequencies([user.id])[user.id]


def set_frequency(user: User, frequency: str) -> None:
    """Save the person's e-mail preference (raises ValueError for an unknown one)."""
    value = EmailFrequency(frequency)
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id)
        db.session.add(settings)
    settings.email_frequency = value.value
    settings.updated_at = utcnow()
    db.session.commit()


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_read(user: User, thread_id: int | None = None, commit: bool = True) -> None:
    """Mark the person's notifications as read: all of them, or those of one thread."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if thread_id is not None:
        query = query.where(Notification.thread_id == thread_id)
    if db.session.execute(query.values(read_at=utcnow())).rowcount:
        g.notifications_changed = True  # the header's badge is told (routes.badge_follows)
    if commit:
        db.session.commit()


# --- What a notification says ------------------------------------------------------


def describe(n: Notification) -> str:
    """One French sentence, the same in the notification centre and in e-mails."""
    who = n.actor.full_name if n.actor else "Quelqu’un"
    title = f"« {n.thread.title} »" if n.thread else "une discussion"
    if n.kind == NotificationKind.REPLY:
        return f"{who} a répondu dans {title}"
    if n.kind == NotificationKind.MENTION:
        return f"{who} vous a mentionné·e dans {title}"
    if n.kind == NotificationKind.NEW_THREAD:
        category = n.thread.category.name if n.thread and n.thread.category else ""
        return f"Nouvelle discussion dans « {category} » : {title}"
    if n.kind == NotificationKind.SOLUTION:
        return f"Votre message dans {title} a été choisi comme réponse utile"
    if n.kind == NotificationKind.THANKS:
        return f"{who} vous remercie pour votre message dans {title}"
    if n.kind == NotificationKind.UNANSWERED:
        return f"Question sans réponse depuis plus de 48 h : {title}"
    return n.message or f"Décision de modération dans {title}"


def subject(n: Notification) -> str:
    """An e-mail's subject: the sentence, but a moderator's decision (whose reason may be
    long) is only named there; the body says it whole."""
    if n.kind == NotificationKind.MODERATION and n.thread is not None:
        return f"décision de la modération dans « {n.thread.title} »"
    return describe(n)


GROUPED_KINDS = {NotificationKind.REPLY, NotificationKind.THANKS}


@dataclass
class NotificationGroup:
    """Notifications of one kind about one thread, next to each other in the centre (newest
    first) and all read or all unread: one line instead of twenty-six."""

    items: list[Notification]

    @property
    def latest(self) -> Notification:
        return self.items[0]

    @property
    def oldest(self) -> Notification:  # where reading starts
        return self.items[-1]

    @property
    def unread(self) -> bool:
        return self.latest.read_at is None


def grouped(notifications: list[Notification]) -> list[NotificationGroup]:
    groups: list[NotificationGroup] = []
    for n in notifications:
        last = groups[-1].latest if groups else None
        if (last is not None and n.kind in GROUPED_KINDS and n.kind == last.kind
                and n.thread_id is not None and n.thread_id == last.thread_id
                and (n.read_at is None) == (last.read_at is None)):
            groups[-1].items.append(n)
        else:
            groups.append(NotificationGroup([n]))
    return groups


def _names(people: list[str]) -> tuple[str, bool]:
    """« Nadia Benali », « Nadia Benali et Karim Diallo », « Nadia Benali, Karim Diallo et
    3 autres personnes »; and whether the sentence's verb is plural."""
    if len(people) == 1:
        return people[0], False
    if len(people) == 2:
        return f"{people[0]} et {people[1]}", True
    others = len(people) - 2
    return (f"{people[0]}, {people[1]} et {others} autre{'s' if others > 1 else ''} "
            f"personne{'s' if others > 1 else ''}"), True


def describe_group(group: NotificationGroup) -> str:
    """The sentence of a line of the centre: one notification's, or a whole group's."""
    if len(group.items) == 1:
        return describe(group.latest)
    people = list(dict.fromkeys(
        n.actor.full_name if n.actor else "Quelqu’un" for n in group.items))
    who, plural = _names(people)
    title = f"« {group.latest.thread.title} »"
    count = len(group.items)
    if group.latest.kind == NotificationKind.THANKS:
        return (f"{who} vous {'remercient' if plural else 'remercie'} pour vos messages "
                f"dans {title} ({count} mercis)")
    return f"{who} {'ont' if plural else 'a'} répondu dans {title} ({count} réponses)"


def link(n: Notification, external: bool = False) -> str:
    """Where the notification leads: the post in its thread."""
    if n.thread_id is None:
        return (external_url("discussions.notifications_centre") if external
                else url_for("discussions.notifications_centre"))
    values = {"thread_id": n.thread_id}
    if n.post is not None:
        values |= {"message": n.post.number, "_anchor": f"message-{n.post.number}"}
    if external:
        values.pop("_anchor", None)
        anchor = f"#message-{n.post.number}" if n.post is not None else ""
        return external_url("discussions.thread", **values) + anchor
    return url_for("discussions.thread", **values)


def excerpt(n: Notification, limit: int = 300) -> str:
    """The post's text for an e-mail; never for a private thread or a hidden post."""
    if n.post is None or n.thread is None or n.thread.is_private or not n.post.is_shown:
        return ""
    return plain_text(n.post.body_md, limit=limit)


# --- E-mail ------------------------------------------------------------------------


def _load(ids) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.thread).joinedload(Thread.category),
                 joinedload(Notification.post), joinedload(Notification.actor))
        .where(Notification.id.in_(list(ids)))
        .order_by(Notification.id)))


def deliver_immediate(ids: list[int]) -> int:
    """E-mail the notifications just created to the people who want them at once.

    Called after the commit that created them: a mail server that is down is
    logged and never turns a saved reply into an error page.
    """
    if not ids:
        return 0
    notifications = [n for n in _load(ids)
                     if n.kind in EMAILED_KINDS and n.emailed_at is None]
    wanted = frequencies({n.user_id for n in notifications})
    notifications = [n for n in notifications if wanted[n.user_id] == EmailFrequency.IMMEDIATE]
    if not notifications:
        return 0
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({n.user_id for n in notifications})))}
    sent = []
    with one_connection():
        for n in notifications:
            user = users[n.user_id]
            try:
                send_mail(user.email, f"Compagnon : {subject(n)}", "discussion_notification",
                          user=user, notification=n, sentence=describe(n), excerpt=excerpt(n),
                          link=link(n, external=True),
                          preferences=external_url("discussions.preferences"))
            except (OSError, smtplib.SMTPException):
                log.exception("Notification e-mail to %s not sent", user.email)
            else:
                sent.append(n.id)
    if sent:
        db.session.execute(update(Notification).where(Notification.id.in_(sent))
                           .values(emailed_at=utcnow()))
        db.session.commit()
    return len(sent)


def trainer_ids() -> list[int]:
    return list(db.session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.role == Role.TRAINER, Membership.active.is_(True),
               User.active.is_(True)).distinct()))


def flag_unanswered(now: datetime) -> list[int]:
    """For every trainer, one notification per public question left without an answer
    for 48 hours (once: a second run adds none). Returns the new ids."""
    threads = list(db.session.scalars(select(Thread).where(
        Thread.is_private.is_(False), Thread.removed_at.is_(None), Thread.reply_count == 0,
        Thread.solution_post_id.is_(None), Thread.locked.is_(False),
        Thread.created_at <= now - UNANSWERED_AFTER,
        Thread.created_at >= now - UNANSWERED_SINCE)))
    trainers = trainer_ids()
    if not threads or not trainers:
        return []
    wanted = {f"unanswered:{t.id}:{u}": (t, u) for t in threads for u in trainers
              if t.author_id != u}
    existing = set(db.session.scalars(
        select(Notification.once_key).where(Notification.once_key.in_(wanted))))
    rows = [{"user_id": u, "kind": NotificationKind.UNANSWERED.value, "thread_id": t.id,
             "post_id": None, "actor_id": t.author_id, "message": "", "once_key": key,
             "created_at": now}
            for key, (t, u) in wanted.items() if key not in existing]
    if not rows:
        return []
    try:
        ids = list(db.session.scalars(insert(Notification).returning(Notification.id), rows))
        db.session.commit()
    except IntegrityError:  # another run of the command got there first
        db.session.rollback()
        return []
    return ids


def send_digests(frequency: EmailFrequency, now: datetime | None = None) -> int:
    """One e-mail per person who chose this frequency and has unread notifications
    not yet e-mailed. Idempotent: what was sent is marked and never sent again. The whole
    run, the questions waiting for trainers included, goes over one SMTP connection."""
    with one_connection():
        return _send_digests(frequency, now or utcnow())


def _send_digests(frequency: EmailFrequency, now: datetime) -> int:
    deliver_immediate(flag_unanswered(now))
    pending = db.session.execute(
        select(Notification.id, Notification.user_id)
        .where(Notification.emailed_at.is_(None), Notification.read_at.is_(None),
               Notification.kind.in_(EMAILED_KINDS), Notification.created_at <= now)
        .order_by(Notification.id)).all()
    wanted = frequencies({user_id for _, user_id in pending})
    by_user: dict[int, list[int]] = defaultdict(list)
    for notification_id, user_id in pending:
        if wanted[user_id] == frequency:
            by_user[user_id].append(notification_id)
    if not by_user:
        return 0
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_(by_user), User.active.is_(True)))}
    loaded = {n.id: n for n in _load([i for ids in by_user.values() for i in ids])}
    sent = 0
    for user_id, ids in by_user.items():
        user = users.get(user_id)
        if user is None:
            continue
        notifications = [loaded[i] for i in ids]
        sections = _digest_sections(notifications)
        period = "de la semaine" if frequency == EmailFrequency.WEEKLY else "du jour"
        count = len(notifications)
        try:
            send_mail(user.email,
                      f"Compagnon : votre résumé {period} ({count} notification"
                      f"{'s' if count > 1 else ''})",
                      "discussion_digest", user=user, sections=sections,
                      rhythm="chaque semaine" if frequency == EmailFrequency.WEEKLY
                      else "chaque jour",
                      preferences=external_url("discussions.preferences"),
                      centre=external_url("discussions.notifications_centre"))
        except (OSError, smtplib.SMTPException):
            log.exception("Digest to %s not sent; it will be tried again", user.email)
            continue
        # Marked per person, right after their mail: an interrupted run resends nothing.
        db.session.execute(update(Notification).where(Notification.id.in_(ids))
                           .values(emailed_at=now))
        db.session.commit()
        sent += 1
    return sent


def _digest_sections(notifications: list[Notification]) -> list[dict]:
    """Grouped as people read them: questions waiting for trainers first, then per thread."""
    unanswered = [n for n in notifications if n.kind == NotificationKind.UNANSWERED]
    others = [n for n in notifications if n.kind != NotificationKind.UNANSWERED]
    sections = []
    if unanswered:
        sections.append({"title": "Questions sans réponse depuis plus de 48 h",
                         "items": [{"sentence": f"« {n.thread.title} »"
                                    + (f" — {n.actor.full_name}" if n.actor else ""),
                                    "excerpt": "", "link": link(n, external=True)}
                                   for n in unanswered]})
    threads: dict[int | None, list[Notification]] = defaultdict(list)
    for n in others:
        threads[n.thread_id].append(n)
    for group in threads.values():
        first = group[0]
        sections.append({
            "title": f"« {first.thread.title} »" if first.thread else "Compagnon",
            "items": [{"sentence": describe(n), "excerpt": excerpt(n, 200),
                       "link": link(n, external=True)} for n in group],
        })
    return sections
