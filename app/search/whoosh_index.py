"""The embedded search backend: a Whoosh index in the instance folder.

The only module that imports Whoosh. One searcher per process, refreshed before
each query (1.5 ms on whoosh-reloaded); writes take `writer(timeout=…)`, never a
plain writer (which fails at once when another worker holds the lock) nor an
AsyncWriter (which keeps updates in memory). Figures: MEASUREMENTS.md.
"""

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from whoosh import highlight, index, sorting, writing
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.qparser import MultifieldParser, OrGroup, PhrasePlugin
from whoosh.query import And, Every, NullQuery, Or, Query, Term

from app.search.analysis import WORD_PATTERN, french_analyzer
from app.search.documents import Document
from app.search.results import Hit, SearchRequest, SearchResults

log = logging.getLogger(__name__)

FIELDS = ["title", "summary", "tags", "body"]
FACETS = ["type", "category", "phase", "sector"]
WRITE_TIMEOUT = 10.0
MERGE_AFTER_SEGMENTS = 8


def schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True, sortable=True),
        slug=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=3.0, spelling=True),
        summary=TEXT(analyzer=analyzer, stored=True, field_boost=2.0, spelling=True),
        tags=TEXT(analyzer=analyzer, stored=True, field_boost=2.0, spelling=True),
        body=TEXT(analyzer=analyzer, stored=True, chars=True, spelling=True),
        category=ID(stored=True, sortable=True),
        phase=ID(stored=True, sortable=True),
        sector=ID(stored=True, sortable=True),
        organisation=STORED,
        organisation_id=ID(stored=True),
        status=ID(stored=True),
        url=STORED,
    )


class IndexBusy(Exception):
    """Another process held the index lock for too long: the outbox keeps the change."""


class WhooshIndex:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._index = None
        self._searcher = None

    # --- Opening ---------------------------------------------------------------

    def _open(self):
        if self._index is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            if index.exists_in(str(self.folder)):
                self._index = index.open_dir(str(self.folder))
            else:
                try:
                    self._index = index.create_in(str(self.folder), schema())
                except LockError:  # another worker is creating it
                    self._index = index.open_dir(str(self.folder))
        return self._index

    def searcher(self):
        """The process's searcher, brought up to date with other processes' commits."""
        if self._searcher is None:
            self._searcher = self._open().searcher()
        else:
            self._searcher = self._searcher.refresh()
        return self._searcher

    def check(self) -> int:
        """Open the index and count its documents (for /healthz)."""
        with self._lock:
            return self.searcher().doc_count()

    # --- Writing ---------------------------------------------------------------

    def apply(self, updates: list[Document], removals: list[str]) -> None:
        """Write a batch in one writer; raises IndexBusy when the lock stays taken."""
        ix = self._open()
        try:
            writer = ix.writer(timeout=WRITE_TIMEOUT)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        try:
            for key in removals:
                writer.delete_by_term("key", key)
            for document in updates:
                writer.update_document(**_fields(document))
            merge = len(ix._segments()) >= MERGE_AFTER_SEGMENTS
            writer.commit(merge=merge)
        except Exception:
            writer.cancel()
            raise

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index with these documents, in one switch."""
        ix = self._open()
        try:
            writer = ix.writer(timeout=WRITE_TIMEOUT * 6)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        count = 0
        try:
            for document in documents:
                writer.add_document(**_fields(document))
                count += 1
            writer.commit(mergetype=writing.CLEAR)
        except Exception:
            writer.cancel()
            raise
        return count

    def optimize(self) -> None:
        """Merge every segment into one (run from the CLI, not during a request)."""
        ix = self._open()
        ix.optimize()

    def counts(self) -> dict[str, int]:
        with self._lock:
            searcher = self.searcher()
            results = searcher.search(
                _everything(), limit=None, scored=False,
                groupedby={"type": sorting.FieldFacet("type", maptype=sorting.Count)},
            )
            return dict(results.groups("type"))

    # --- Reading ---------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        with self._lock:
            searcher = self.searcher()
            query = self._query(request.text, request.expansions)
            if query is None:
                return SearchResults(request=request)
            allowed = self._visibility(request)
            chosen = [Term(name, value) for name, value in request.filters.items() if value]
            page = searcher.search_page(
                query, request.page, pagelen=request.per_page,
                filter=And([allowed, *chosen]) if chosen else allowed, terms=True,
            )
            page.results.fragmenter = highlight.PinpointFragmenter(
                surround=70, autotrim=True, maxchars=220)
            page.results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
            hits = [self._hit(hit) for hit in page]
            facets = self._facets(searcher, query, allowed)
            return SearchResults(request=request, total=page.total, hits=hits, facets=facets,
                                 pages=page.pagecount)

    def count(self, request: SearchRequest) -> int:
        with self._lock:
            searcher = self.searcher()
            query = self._query(request.text, request.expansions)
            if query is None:
                return 0
            return len(searcher.search(query, filter=self._visibility(request), limit=None,
                                       scored=False))

    def suggest(self, text: str) -> str | None:
        """The query with each unknown word replaced by the closest indexed word, if any."""
        with self._lock:
            searcher = self.searcher()
            analyzer = french_analyzer()
            changed, words = False, []
            for word in re.findall(WORD_PATTERN, text):
                stems = [t.text for t in analyzer(word)]
                known = not stems or any(
                    searcher.doc_frequency(field, stem) for field in FIELDS for stem in stems)
                if known or len(word) <= 3:
                    words.append(word)
                    continue
                folded = [t.text for t in french_analyzer(stem=False)(word)]
                suggestions = searcher.corrector("body").suggest(folded[0], limit=1, maxdist=2) \
                    if folded else []
                if suggestions:
                    words.append(suggestions[0])
                    changed = True
                else:
                    words.append(word)
            return " ".join(words) if changed else None

    def _query(self, text: str, expansions: list[str]) -> Query | None:
        parser = MultifieldParser(FIELDS, schema=self._open().schema,
                                  group=OrGroup.factory(0.9))
        parser.add_plugin(PhrasePlugin())
        main = parser.parse(text)
        if main is None or _is_empty(main):
            return None
        if not expansions:
            return main
        extra = [parser.parse(f'"{phrase}"') for phrase in expansions]
        extra = [q for q in extra if q is not None and not _is_empty(q)]
        if not extra:
            return main
        alternatives = Or(extra, boost=0.35)  # exact words rank above synonyms
        return Or([main, alternatives])

    @staticmethod
    def _visibility(request: SearchRequest) -> Query:
        published = Term("status", "published")
        if request.all_drafts:
            return Or([published, Term("status", "draft")])
        if request.draft_organisations:
            return Or([published, And([Term("status", "draft"), Or([
                Term("organisation_id", str(i)) for i in request.draft_organisations])])])
        return published

    @staticmethod
    def _facets(searcher, query, allowed) -> dict[str, dict[str, int]]:
        """Counts from a separate unscored search: iterating grouped hits highlights them all."""
        results = searcher.search(
            query, filter=allowed, limit=None, scored=False,
            groupedby={name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS},
        )
        return {name: dict(results.groups(name)) for name in FACETS}

    @staticmethod
    def _hit(hit) -> Hit:
        excerpt = hit.highlights("body") or hit.highlights("summary") or ""
        return Hit(
            key=hit["key"], type=hit["type"], slug=hit["slug"], title=hit["title"],
            summary=hit.get("summary", ""), excerpt_html=excerpt, url=hit["url"],
            category=hit.get("category", ""), phase=hit.get("phase", ""),
            sector=hit.get("sector", ""), organisation=hit.get("organisation", ""),
            status=hit.get("status", "published"), score=round(float(hit.score or 0), 4),
        )


def _fields(document: Document) -> dict:
    fields = asdict(document)
    fields["tags"] = ", ".join(document.tags)
    fields["organisation_id"] = str(document.organisation_id)
    return fields


def _everything() -> Query:
    return Every()


def _is_empty(query: Query) -> bool:
    return query is NullQuery or (hasattr(query, "subqueries") and not query.subqueries)
