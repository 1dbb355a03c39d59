"""Keeping the index in step with the database, through an outbox.

An `after_flush` listener writes one outbox row per changed document, in the
same transaction as the data: a rolled-back change never reaches the index, a
committed one is never forgotten. After the commit, the outbox is drained into
the index with one writer. If the index is busy or the process dies, the rows
stay and the next drain (any later commit, a search, or `flask search drain`)
applies them; `flask search reindex` rebuilds everything from the database.
"""

import logging

from flask import current_app
from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from app.accounts.models import utcnow
from app.catalogue.models import Lesson, Module
from app.discussions.models import Post, PostFile, Thread
from app.extensions import db
from app.library.models import Practice, PracticeFile
from app.search import documents
from app.search.models import SearchOutbox
from app.search.whoosh_index import IndexBusy, WhooshIndex

log = logging.getLogger(__name__)
BATCH = 500


def get_index(app=None) -> WhooshIndex:
    """The process's index object for this app (one searcher per worker)."""
    app = app or current_app._get_current_object()
    index = app.extensions.get("compagnon_search")
    if index is None:
        index = app.extensions["compagnon_search"] = WhooshIndex(app.config["SEARCH_INDEX_DIR"])
    return index


# What a thread document shows: a change to anything else (a « Merci », a read
# marker, a counter) does not rewrite it.
_THREAD_FIELDS = ("title", "category_id", "removed_at", "solution_post_id", "is_private")
_POST_FIELDS = ("body_html", "deleted_at", "hidden_at")


def _changed(session: Session, obj, names) -> bool:
    if obj in session.new or obj in session.deleted:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _keys(session: Session) -> set[str]:
    keys = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Thread):
            if _changed(session, obj, _THREAD_FIELDS) and obj.id:
                keys.add(f"discussion:{obj.id}")
            continue
        if isinstance(obj, Post):
            if _changed(session, obj, _POST_FIELDS) and obj.thread_id:
                keys.add(f"discussion:{obj.thread_id}")
            continue
        if isinstance(obj, PostFile):
            if obj.id:
                keys.add(f"post-file:{obj.id}")
            continue
        if isinstance(obj, Practice):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            keys.add(f"practice:{obj.id}")
            keys.update(f"tool:{f.id}" for f in obj.__dict__.get("files", []) if f.id)
        elif isinstance(obj, PracticeFile):
            keys.add(f"tool:{obj.id}")
        elif isinstance(obj, Module):
            keys.add(f"module:{obj.id}")
            keys.update(f"lesson:{lesson.id}" for lesson in obj.__dict__.get("lessons", [])
                        if lesson.id)
        elif isinstance(obj, Lesson):
            keys.add(f"lesson:{obj.id}")
    return keys


@event.listens_for(Session, "after_flush")
def record_changes(session: Session, _context) -> None:
    keys = _keys(session)
    if keys:
        now = utcnow()
        session.connection().execute(
            insert(SearchOutbox.__table__), [{"key": key, "created_at": now} for key in keys]
        )
        session.info["search_pending"] = True


@event.listens_for(Session, "after_commit")
def drain_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT was released (begin_nested): nothing is committed yet, and the
        # drain, on its own connection, would wait for this very transaction's lock.
        return
    if session.info.pop("search_pending", False):
        try:
            drain()
        except Exception:  # the user's change is saved; the outbox keeps the index's part
            log.exception("search: drain after commit failed; the outbox keeps the changes")


@event.listens_for(Session, "after_rollback")
def forget_changes(session: Session) -> None:
    session.info.pop("search_pending", None)


def pending() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(SearchOutbox.id)))


def drain(batch: int = BATCH, timeout: float | None = None) -> int:
    """Apply waiting outbox rows to the index; returns how many rows were applied.

    timeout: how long to wait for another process's writer (None: the index's
    default; 0 from a search, which must not wait on someone else's rebuild).
    """
    index = get_index()
    applied = 0
    with Session(db.engine) as session:
        while True:
            try:
                # The rows and the documents are read under the index's lock: a
                # change read earlier could overwrite a newer one another worker wrote.
                with index.writing(timeout) as writer:
                    rows = session.execute(
                        select(SearchOutbox.id, SearchOutbox.key)
                        .order_by(SearchOutbox.id).limit(batch)
                    ).all()
                    if not rows:
                        return applied
                    found = documents.load(session, list({key for _, key in rows}))
                    for key, document in found.items():
                        if document is None:
                            writer.remove(key)
                        else:
                            writer.update(document)
            except IndexBusy:
                log.warning("search: index busy, changes wait in the outbox")
                return applied
            session.execute(delete(SearchOutbox).where(
                SearchOutbox.id.in_([row_id for row_id, _ in rows])))
            session.commit()
            applied += len(rows)
            if index.needs_merge():
                index.merge_later()  # not in the request: a merge costs more than a save
            if len(rows) < batch:
                return applied


def rebuild(progress=None) -> int:
    """Rebuild the whole index from the database; the outbox rows seen before are dropped."""
    with Session(db.engine) as session:
        last = session.scalar(select(SearchOutbox.id).order_by(SearchOutbox.id.desc()).limit(1))
        expected = documents.count(session)
        session.commit()  # the documents are read afresh, once the index is locked
        stream = documents.everything(session)  # lazy: runs under the lock
        count = get_index().rebuild(progress(stream) if progress else stream, expected)
        if last is not None:
            session.execute(delete(SearchOutbox).where(SearchOutbox.id <= last))
            session.commit()
    return count
