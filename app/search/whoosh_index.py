"""The embedded search backend: a Whoosh index in the instance folder.

The only module that imports Whoosh. Writes take `writer(timeout=…)`, never a
plain writer (which fails at once when another worker holds the lock) nor an
AsyncWriter (which keeps updates in memory); a save commits without merging,
small segments are merged in a thread once saves pause, the big ones by
`flask search optimize`. One searcher per process, brought up to date before
each query by reopening only the segments that changed (see searcher()).
Figures: MEASUREMENTS.md and `make bench-search`.

Whoosh stores the postings; the ranking, the counts and the excerpts are done
here. Measured with 20,000 generated sheets (the words of this sector are in
most of them: « accueil » in 11,600): Whoosh's own collector walks every
matching document through a tree of Python matchers, 0.5–2.5 s for a three-word
query with its total and facet counts. So:

- text fields keep frequencies only (no positions, no characters): a posting
  list of the body reads 3–5 times faster; word pairs are indexed as terms
  (analysis.PairFilter) for phrases and proximity;
- scores are accumulated term by term over the raw posting blocks (BM25 with a
  probabilistic idf over whole documents, field boosts, synonyms weighted
  below the words typed), which also gives the set of matching documents: the
  total and the facet counts are set intersections with per-segment sets that
  are computed once per segment (segments never change, only their deletions);
- the excerpts are cut from the stored body around the words found, for the
  ten documents shown only.
"""

import heapq
import html
import logging
import math
import os
import re
import threading
import time
import weakref
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import accumulate, pairwise
from pathlib import Path

from whoosh import index, writing
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.multiproc import MpWriter
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance
from whoosh.util.numeric import byte_to_length

from app.search.analysis import WORD_PATTERN, analyse, fold, french_analyzer, stems, word_forms
from app.search.documents import Document
from app.search.results import Hit, SearchRequest, SearchResults

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"  # change it with the schema or the analysis: `search reindex` rebuilds
VERSION_FILE = "compagnon-schema"
FIELDS = ["title", "summary", "tags", "labels", "body"]
SPELLING_FIELDS = ["title", "summary"]
FACETS = ["type", "category", "phase", "sector"]
# Seconds a save waits for another worker's writer (tens of ms usually). Longer
# (a rebuild, a merge): the outbox keeps the change for the next drain.
WRITE_TIMEOUT = 2.0
MERGE_AFTER_SEGMENTS = 8  # small segments (one per save) before they are merged
SMALL_SEGMENT = 1_000  # documents
MERGE_IDLE = 1.0  # seconds without a save before small segments are merged
MERGE_FORCED = 64  # small segments: merge even during a burst of saves
PARALLEL_FROM = 2_000  # documents to rebuild: fewer are indexed in this process alone
REBUILD_PROCESSES = 2
REBUILD_BATCH = 200  # documents handed to a process at a time
MIN_CORRECTED = 4  # shorter words are abbreviations (AS, ASH, IDE, VAE): never corrected

# Ranking (tuned on tests/search/queries.yml, flat around these values).
FIELD_BOOSTS = {"title": 3.0, "summary": 1.6, "tags": 1.6, "labels": 1.0, "body": 1.0}
PROXIMITY_BOOST = 0.6  # two words typed side by side, found side by side
SYNONYM_BOOST = 0.5  # a synonym counts at most half the word typed
EXACT_FIRST = 1_000.0  # added to the documents that hold a word typed (ranking only)
K1, B = 1.2, 0.75
MAX_PREFIX_TERMS = 64
POSTINGS_KEPT = 3_000_000  # postings kept decoded per segment (4 bytes each, and weights)
EXCERPT_CHARS = 220
EXCERPT_LEAD = 70


def schema() -> Schema:
    text = french_analyzer(pairs=True)
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True),
        slug=ID(stored=True),
        title=TEXT(analyzer=text, phrase=False, stored=True, spelling=True),
        summary=TEXT(analyzer=text, phrase=False, stored=True, spelling=True),
        tags=TEXT(analyzer=text, phrase=False, stored=True),
        labels=TEXT(analyzer=text, phrase=False),
        body=TEXT(analyzer=text, phrase=False, stored=True),
        category=ID(stored=True),
        phase=ID(stored=True),
        sector=ID(stored=True),
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
        self._generation = None
        self._readers: dict[tuple[str, int], object] = {}  # (segment, deletions) → reader
        weakref.finalize(self, _close_readers, self._readers)
        self._statistics: dict = {}  # idf and length norms of this generation of the index
        self._segments: dict[str, _SegmentCache] = {}
        self._merging = threading.Lock()
        self._merger: threading.Thread | None = None

    # --- Opening ---------------------------------------------------------------

    def _open(self):
        if self._index is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            if index.exists_in(str(self.folder)):
                self._index = index.open_dir(str(self.folder))
                if not self.current():
                    log.warning("search: the index in %s was built by an older version; "
                                "run `flask search reindex`", self.folder)
            else:
                try:
                    self._index = index.create_in(str(self.folder), schema())
                    self._write_version()
                except LockError:  # another worker is creating it
                    self._index = index.open_dir(str(self.folder))
        return self._index

    def current(self) -> bool:
        """Whether the index was built with this version's schema and analysis."""
        marker = self.folder / VERSION_FILE
        return marker.exists() and marker.read_text().strip() == SCHEMA_VERSION

    def _write_version(self) -> None:
        (self.folder / VERSION_FILE).write_text(SCHEMA_VERSION)

    def searcher(self):
        """The process's searcher, brought up to date with other processes' commits.

        Not Whoosh's `Searcher.refresh()`: on whoosh-reloaded 2.7.5 it reuses the
        reader of a segment whose deletions changed (an updated sheet is then
        found twice) and keeps the segments a merge removed (every document
        twice). Here a segment's reader is reused only while the segment and its
        deletions are unchanged; the others are opened afresh.
        """
        ix = self._open()
        generation = ix.latest_generation()
        if self._searcher is not None and generation == self._generation:
            return self._searcher
        for attempt in range(10):
            readers, kept = [], {}
            try:
                toc = index.TOC.read(ix.storage, ix.indexname)
                for segment in toc.segments:
                    key = (segment.segment_id(), segment.deleted_count())
                    reader = self._readers.get(key) or SegmentReader(
                        ix.storage, toc.schema, segment, generation=toc.generation)
                    readers.append(reader)
                    kept[key] = reader
                break
            except OSError:  # a commit replaced the files meanwhile: read the new ones
                for key, reader in kept.items():
                    if key not in self._readers:
                        reader.close()
                if attempt == 9:
                    raise
                time.sleep(0.05)
        for key, reader in self._readers.items():
            if key not in kept:
                reader.close()
        self._readers.clear()  # the same dict: the finalizer below closes what it holds
        self._readers.update(kept)
        self._segments = {segment: self._segments[segment] for segment, _ in kept
                          if segment in self._segments}
        if not readers:
            reader = EmptyReader(toc.schema)
        elif len(readers) == 1:
            reader = readers[0]
        else:
            reader = MultiReader(readers, generation=toc.generation)
        self._searcher = Searcher(reader, fromindex=ix, closereader=False)
        self._generation = toc.generation
        self._statistics = {}
        return self._searcher

    def check(self) -> int:
        """Open the index and count its documents (for /healthz)."""
        with self._lock:
            return self.searcher().doc_count()

    # --- Writing ---------------------------------------------------------------

    def apply(self, updates: list[Document], removals: list[str],
              timeout: float | None = None) -> None:
        """Write a batch in one writer; raises IndexBusy when the lock stays taken."""
        with self.writing(timeout) as batch:
            for key in removals:
                batch.remove(key)
            for document in updates:
                batch.update(document)

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator["_Batch"]:
        """Hold the index's writer: what to write is best read from the database inside.

        Read before taking the lock, a change could be written after a newer one
        that another process wrote meanwhile. timeout: seconds to wait for the lock
        (WRITE_TIMEOUT by default; 0: do not wait). Raises IndexBusy.
        """
        ix = self._open()
        try:
            writer = ix.writer(timeout=WRITE_TIMEOUT if timeout is None else timeout)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        batch = _Batch(writer, set(ix.schema.names()))
        try:
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.changed:
            # Never merge here: merging even six one-sheet segments costs 100–200 ms
            # (every word and word pair is a term), a save's budget. See merge_later().
            writer.commit(merge=False)
        else:
            writer.cancel()

    def needs_merge(self) -> bool:
        """Whether enough small segments piled up to be worth merging."""
        small = [s for s in self._open()._segments() if s.doc_count_all() < SMALL_SEGMENT]
        return len(small) >= MERGE_AFTER_SEGMENTS

    def merge_small(self) -> None:
        """Merge all the small segments into one (the big ones: `flask search optimize`)."""
        try:
            writer = self._open().writer(timeout=WRITE_TIMEOUT)
        except LockError as error:
            raise IndexBusy(str(error)) from error
        writer.commit(mergetype=_merge_small_segments)

    def merge_later(self) -> None:
        """Merge the small segments in a thread, once no save came for MERGE_IDLE seconds.

        A merge holds the write lock for 100–300 ms: run during a burst of saves,
        it would make the next save wait that long. People save a sheet now and
        then, so the index is nearly always idle; under a long burst the merge
        runs anyway once MERGE_FORCED small segments piled up. Merging changes no
        document: if the process dies meanwhile nothing is lost.
        """
        if not self._merging.acquire(blocking=False):
            return  # a merge is already waiting in this process

        def merge():
            try:
                ix = self._open()
                while True:
                    generation = ix.latest_generation()
                    time.sleep(MERGE_IDLE)
                    small = [s for s in ix._segments() if s.doc_count_all() < SMALL_SEGMENT]
                    if ix.latest_generation() == generation or len(small) >= MERGE_FORCED:
                        break
                self.merge_small()
            except Exception:
                log.exception("search: merging small segments failed (harmless; retried later)")
            finally:
                self._merging.release()

        self._merger = threading.Thread(target=merge, name="search-merge")
        self._merger.start()

    def wait_for_merge(self, timeout: float | None = None) -> None:
        """Let a merge started by merge_later() finish (tests, benchmarks, shutdown)."""
        if self._merger is not None:
            self._merger.join(timeout)

    def rebuild(self, documents: Iterable[Document], expected: int = 0) -> int:
        """Replace the whole index with these documents, in one switch.

        The documents are read only once the lock is held (pass a generator that
        queries the database lazily): no change can slip in between. From
        PARALLEL_FROM expected documents on, two processes index half each
        (Whoosh's MpWriter, one segment each, not merged): 20,000 sheets in about
        a minute instead of two on two cores, while this process reads the database.
        """
        ix = self._open()
        procs = min(REBUILD_PROCESSES, os.cpu_count() or 1) if expected >= PARALLEL_FROM else 1
        writer = self._rebuild_writer(ix, procs)
        recreated = not self.current()
        if recreated:
            # The schema or the analysis changed: start a new index (searches find
            # it empty until the commit below; a save meanwhile waits in the outbox).
            writer.cancel()
            self._index = ix = index.create_in(str(self.folder), schema())
            self._searcher = None
            writer = self._rebuild_writer(ix, procs)
        count = 0
        try:
            for document in documents:
                writer.add_document(**_fields(document))
                count += 1
            writer.commit(mergetype=writing.CLEAR)
        except BaseException:
            writer.cancel()
            raise
        if recreated:
            self._write_version()
        return count

    @staticmethod
    def _rebuild_writer(ix, procs: int):
        # compound=False: one file per part. Opening a reader on a compound file
        # copies each part in memory (40 ms at 20,000 sheets, after every save).
        options = {"timeout": WRITE_TIMEOUT * 6, "compound": False, "limitmb": 256}
        try:
            if procs > 1:
                return MpWriter(ix, procs=procs, batchsize=REBUILD_BATCH, multisegment=True,
                                **options)
            return ix.writer(**options)
        except LockError as error:
            raise IndexBusy(str(error)) from error

    def optimize(self) -> None:
        """Merge every segment into one (run from the CLI, not during a request)."""
        ix = self._open()
        writer = ix.writer(timeout=WRITE_TIMEOUT * 6, compound=False)
        writer.commit(optimize=True)

    def segment_count(self) -> int:
        """How many segments the index has (many: run `flask search optimize`)."""
        return len(self._open()._segments())

    def counts(self) -> dict[str, int]:
        """Documents in the index, per type."""
        with self._lock:
            searcher = self.searcher()
            totals: dict[str, int] = {}
            for leaf, _ in _leaves(searcher):
                cache = self._cache(leaf)
                deleted = leaf.deleted_docs_set
                for value, docs in cache.values("type").items():
                    totals[value] = totals.get(value, 0) + len(docs - deleted)
            return {value: count for value, count in totals.items() if count}

    # --- Reading ---------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """One page of ranked hits with their excerpts, the total and the facet counts."""
        with self._lock:
            searcher = self.searcher()
            plan = _plan(searcher, request.text, request.expansions, self._statistics)
            if plan is None:
                return SearchResults(request=request)
            wanted = request.page * request.per_page
            best: list[tuple[float, int]] = []
            total = 0
            facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
            for leaf, offset in _leaves(searcher):
                scores = self._score(searcher, leaf, plan)
                if not scores:
                    continue
                cache = self._cache(leaf)
                visible = scores.keys() & cache.visible(request)
                if leaf.has_deletions():
                    visible -= leaf.deleted_docs_set
                # Counted before the filters, to show the other choices. Each document
                # has one combination of facet values: count those, then add them up.
                combinations, codes = cache.facet_codes()
                for code, found in Counter(map(codes.__getitem__, visible)).items():
                    for name, value in zip(FACETS, combinations[code], strict=True):
                        if value is not None:
                            facets[name][value] = facets[name].get(value, 0) + found
                chosen = visible
                for name, value in request.filters.items():
                    if value:
                        chosen = chosen & cache.values(name).get(value, frozenset())
                total += len(chosen)
                best.extend((scores[d], offset + d) for d in _best(scores, chosen, wanted))
            best = heapq.nlargest(wanted, best)[wanted - request.per_page:]
            marks = _Marks(plan)
            hits = [self._hit(searcher.stored_fields(docnum), score, marks)
                    for score, docnum in best]
            facets = {name: dict(sorted(counts.items(), key=lambda item: -item[1]))
                      for name, counts in facets.items()}
            return SearchResults(request=request, total=total, hits=hits, facets=facets,
                                 pages=math.ceil(total / request.per_page))

    def count(self, request: SearchRequest) -> int:
        """How many documents the request finds (filters included)."""
        with self._lock:
            searcher = self.searcher()
            plan = _plan(searcher, request.text, request.expansions, self._statistics)
            if plan is None:
                return 0
            total = 0
            for leaf, _ in _leaves(searcher):
                cache = self._cache(leaf)
                found = _matching(cache, plan) & cache.visible(request)
                for name, value in request.filters.items():
                    if value:
                        found &= cache.values(name).get(value, frozenset())
                total += len(found - leaf.deleted_docs_set)
            return total

    def correct(self, text: str, vocabulary: frozenset[str] = frozenset()) -> str | None:
        """The text with each word that no document holds replaced by the closest one that does.

        Words of the thesaurus (vocabulary: their indexed forms) and short words
        (abbreviations) are left as typed. None when nothing changes.
        """
        return self._respell(text, vocabulary, unknown_only=True)

    def suggest(self, text: str, vocabulary: frozenset[str] = frozenset()) -> str | None:
        """The text with its words replaced by close spellings found in more documents."""
        return self._respell(text, vocabulary, unknown_only=False)

    def _respell(self, text: str, vocabulary: frozenset[str], unknown_only: bool) -> str | None:
        with self._lock:
            searcher = self.searcher()
            changed = False

            def respell(match: re.Match) -> str:
                nonlocal changed
                word = match.group(0)
                folded = fold(word)
                if text[match.end():match.end() + 1] == "*" or len(folded) != 1 \
                        or len(folded[0]) < MIN_CORRECTED:
                    return word
                forms = stems(folded[0])
                if any(form in vocabulary for form in forms):
                    return word
                frequency = _frequency(searcher, forms)
                if unknown_only and frequency:
                    return word
                better = _closest(searcher, folded[0], frequency)
                if better is None:
                    return word
                changed = True
                return better

            respelled = re.sub(WORD_PATTERN, respell, text)
            return respelled if changed else None

    # --- Internals -------------------------------------------------------------

    def _cache(self, leaf) -> "_SegmentCache":
        segment = leaf.segment().segment_id()
        cache = self._segments.get(segment)
        if cache is None:
            cache = self._segments[segment] = _SegmentCache(leaf)
        cache.leaf = leaf  # the segment's data is the same whatever its deletions
        return cache

    def _score(self, searcher, leaf, plan: "_Plan") -> dict[int, float]:
        """BM25 scores of the documents of one segment, term by term.

        The documents that hold a word typed get EXACT_FIRST more than those found
        through a synonym only: exact matches come first, whatever the fields.
        """
        scores: dict[int, float] = {}
        cache = self._cache(leaf)
        self._accumulate(scores, searcher, cache, plan, plan.terms)
        if plan.synonyms:
            if scores:
                for d in scores:
                    scores[d] += EXACT_FIRST
            self._accumulate(scores, searcher, cache, plan, plan.synonyms)
        return scores

    @staticmethod
    def _accumulate(scores, searcher, cache: "_SegmentCache", plan: "_Plan", terms) -> None:
        for field_name, term, weight in terms:
            blocks = cache.postings(field_name, term)
            if not blocks:
                continue
            lengths = cache.lengths(field_name)
            # K1 * (1 - B + B * length / average), for each of the 256 stored lengths.
            norms = plan.norms(searcher, field_name)
            factor = weight * plan.idf(searcher, term) * (K1 + 1)
            once = [factor / (1 + norm) for norm in norms]
            get = scores.get
            for ids, weights in blocks:
                if weights is None:
                    for d in ids:
                        scores[d] = get(d, 0.0) + once[lengths[d]]
                else:
                    for d, tf in zip(ids, weights, strict=True):
                        scores[d] = get(d, 0.0) + factor * tf / (tf + norms[lengths[d]])

    @staticmethod
    def _hit(stored: dict, score: float, marks: "_Marks") -> Hit:
        excerpt = marks.excerpt(stored.get("body", "")) or marks.excerpt(
            stored.get("summary", ""))
        return Hit(
            key=stored["key"], type=stored["type"], slug=stored["slug"], title=stored["title"],
            summary=stored.get("summary", ""), excerpt_html=excerpt, url=stored["url"],
            category=stored.get("category", ""), phase=stored.get("phase", ""),
            sector=stored.get("sector", ""), organisation=stored.get("organisation", ""),
            status=stored.get("status", "published"),
            score=round(score - EXACT_FIRST if score >= EXACT_FIRST else score, 4),
        )


def _leaves(searcher) -> list:
    """The segments' readers with their document offsets; none for an empty index, whose
    EmptyReader presents itself as a leaf without a segment."""
    reader = searcher.reader()
    if isinstance(reader, EmptyReader):
        return []
    return list(reader.leaf_readers())


def _close_readers(readers: dict) -> None:
    """Close the segment files a dropped WhooshIndex still held open."""
    for reader in readers.values():
        if not reader.is_closed:
            reader.close()
    readers.clear()


def _merge_small_segments(writer, segments):
    """A Whoosh merge policy: every segment under SMALL_SEGMENT documents into one.

    Whoosh's MERGE_SMALL merges only the first few (a Fibonacci rule): with one
    segment per save, they kept piling up.
    """
    small = [segment for segment in segments if segment.doc_count_all() < SMALL_SEGMENT]
    if len(small) < 2:
        return segments
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


class _Batch:
    """The changes written under one lock."""

    def __init__(self, writer, known: set[str]):
        self.writer = writer
        self.known = known  # an index built by an older version: the fields it has
        self.changed = False

    def update(self, document: Document) -> None:
        self.writer.update_document(**{name: value for name, value in _fields(document).items()
                                       if name in self.known})
        self.changed = True

    def remove(self, key: str) -> None:
        self.writer.delete_by_term("key", key)
        self.changed = True


# --- Per-segment data --------------------------------------------------------------


class _SegmentCache:
    """What never changes in a segment: field lengths, the documents of each ID value.

    Deleted documents are included: the reader of the moment tells which they are.
    """

    def __init__(self, leaf):
        self.leaf = leaf  # any reader of this segment: replaced when it is closed
        self._lengths: dict[str, object] = {}
        self._values: dict[str, dict[str, frozenset[int]]] = {}
        self._visible: dict[tuple, frozenset[int]] = {}
        self._codes: tuple[list[tuple], list[int]] | None = None
        self._postings: OrderedDict[tuple[str, str], list] = OrderedDict()
        self._postings_size = 0

    def postings(self, field_name: str, term: str) -> list[tuple[Iterable[int], object]]:
        """The decoded posting blocks of a term, the most recently used kept in memory.

        The words of this sector come back in most queries (accueil, tuteur,
        salarié…): decoding their lists (zlib, pickle) was a third of a query.
        """
        key = (field_name, term)
        found = self._postings.get(key)
        if found is not None:
            self._postings.move_to_end(key)
            return found
        # Arrays, not tuples of ints and floats: compact, and not walked by the garbage
        # collector (millions of cached floats made each full collection last 100 ms).
        found = [(ids if isinstance(ids, array) else array("I", ids),
                  weights if weights is None or isinstance(weights, array)
                  else array("f", weights))
                 for ids, weights in _blocks(self.leaf, field_name, term)]
        self._postings[key] = found
        self._postings_size += sum(len(ids) for ids, _ in found) + 16
        while self._postings_size > POSTINGS_KEPT and len(self._postings) > 1:
            _, dropped = self._postings.popitem(last=False)
            self._postings_size -= sum(len(ids) for ids, _ in dropped) + 16
        return found

    def lengths(self, field_name: str):
        found = self._lengths.get(field_name)
        if found is None:
            column = self.leaf._perdoc._cached_reader(_lenfield(field_name), LENGTHS_COLUMN)
            found = column.load() if column is not None else [0] * self.leaf.doc_count_all()
            self._lengths[field_name] = found
        return found

    def values(self, field_name: str) -> dict[str, frozenset[int]]:
        """value → the documents that have it, for an ID field (type, category, status…)."""
        found = self._values.get(field_name)
        if found is None:
            found = {}
            if field_name in self.leaf.schema:
                for term in self.leaf.lexicon(field_name):
                    docs = set()
                    for ids, _ in _blocks(self.leaf, field_name, term):
                        docs.update(ids)
                    found[term.decode("utf-8")] = frozenset(docs)
            self._values[field_name] = found
        return found

    def facet_codes(self) -> tuple[list[tuple], list[int]]:
        """(the combinations of facet values, each document's combination number)."""
        if self._codes is None:
            size = self.leaf.doc_count_all()
            per_doc: list[list] = [[None] * len(FACETS) for _ in range(size)]
            for i, name in enumerate(FACETS):
                for value, docs in self.values(name).items():
                    for d in docs:
                        per_doc[d][i] = value
            numbers: dict[tuple, int] = {}
            codes = [numbers.setdefault(tuple(values), len(numbers)) for values in per_doc]
            self._codes = (list(numbers), codes)
        return self._codes

    def visible(self, request: SearchRequest) -> frozenset[int]:
        """Published documents, and the drafts this person may read."""
        key = (request.all_drafts, tuple(sorted(request.draft_organisations)))
        found = self._visible.get(key)
        if found is None:
            if len(self._visible) > 64:
                self._visible.clear()
            found = self._visible[key] = self._compute_visible(request)
        return found

    def _compute_visible(self, request: SearchRequest) -> frozenset[int]:
        status = self.values("status")
        allowed = status.get("published", frozenset())
        drafts = status.get("draft", frozenset())
        if request.all_drafts:
            return allowed | drafts
        if request.draft_organisations:
            owners = self.values("organisation_id")
            for organisation in request.draft_organisations:
                allowed = allowed | (drafts & owners.get(str(organisation), frozenset()))
        return allowed


def _blocks(leaf, field_name: str, term) -> Iterator[tuple[Iterable[int], object]]:
    """The raw posting blocks of a term in a segment: (document ids, weights or None).

    Deleted documents are included: callers remove them. Reads Whoosh's W3 blocks
    directly (ids delta-decoded in C), an order of magnitude faster than its matchers.
    """
    btext = term if isinstance(term, bytes) else term.encode("utf-8")
    try:
        matcher = leaf._terms.matcher(field_name, btext, leaf.schema[field_name].format)
    except (KeyError, TermNotFound):
        return
    if not isinstance(matcher, W3LeafMatcher):  # a term found once is stored inline
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield ids, (None if all(w == 1 for w in weights) else weights)
        return
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw_ids, weights = matcher._data[0], matcher._data[1]
        ids = raw_ids if matcher._byteids else accumulate(raw_ids)
        if isinstance(weights, float):
            weights = None if weights == 1.0 else [weights] * matcher._blocklength
        yield ids, weights
        matcher._next_block()


def _best(scores: dict[int, float], chosen: set[int], wanted: int) -> list[int]:
    """The wanted best-scored documents among chosen (usually nearly all the scored ones)."""
    if len(scores) > 4 * wanted:
        # The bare scores compare several times faster than through a key function:
        # find the score of the (2 × wanted)th, then rank the chosen above it.
        threshold = heapq.nlargest(2 * wanted + 20, scores.values())[-1]
        top = [d for d, score in scores.items() if score >= threshold and d in chosen]
        if len(top) >= wanted or len(top) == len(chosen):
            return heapq.nlargest(wanted, top, key=scores.__getitem__)
    return heapq.nlargest(wanted, chosen, key=scores.__getitem__)


def _matching(cache: "_SegmentCache", plan: "_Plan") -> set[int]:
    """The documents of a segment that the plan finds (no scores: for counting)."""
    found: set[int] = set()
    for field_name, term, _ in plan.terms + plan.synonyms:
        for ids, _ in cache.postings(field_name, term):
            found.update(ids)
    return found


# --- Queries ---------------------------------------------------------------------
#
# What people type is not Whoosh syntax (« l'accueil », « que faire ? », « AS »):
# the text is read here, with two signs only: "quoted phrases" and prefix*.
# Each word is looked for in every field, the best fields counting most (title
# over summary and tags over body); the words add up; two words typed side by
# side and found side by side add a bonus; synonyms count for less than the
# words typed, and never more than they would.

PHRASES = re.compile(r'"([^"]*)"?|“([^”]*)”?|«([^»]*)»?')


@dataclass
class _Clause:
    forms: list[list[str]]  # position by position, the alternative indexed forms
    prefix: bool = False


@dataclass
class _Plan:
    terms: list[tuple[str, str, float]] = field(default_factory=list)  # field, term, weight
    synonyms: list[tuple[str, str, float]] = field(default_factory=list)  # the same, for those
    marked: set[str] = field(default_factory=set)  # indexed forms to highlight
    prefixes: list[str] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)  # shared by the queries of one generation

    def idf(self, searcher, term: str) -> float:
        """Lucene's BM25 idf over whole documents (a word in nearly every sheet weighs ~0).

        Whoosh's own, log(N / (n + 1)) + 1, gave a word found in nearly every sheet
        (« salarié ») a third of the weight of a word found in one: with the title
        boost, common words outranked the rare word one was looking for.
        """
        found = self.statistics.get(term)
        if found is None:
            n = max(searcher.doc_frequency(name, term) for name in FIELDS)
            total = searcher.doc_count_all()
            found = math.log(1 + (total - n + 0.5) / (n + 0.5))
            if len(self.statistics) < 100_000:
                self.statistics[term] = found
        return found

    def norms(self, searcher, field_name: str) -> list[float]:
        found = self.statistics.get(("norms", field_name))
        if found is None:
            average = searcher.avg_field_length(field_name) or 1.0
            found = self.statistics[("norms", field_name)] = [
                K1 * (1 - B + B * byte_to_length(b) / average) for b in range(256)]
        return found

    def add(self, clause: _Clause, boost: float, searcher, synonym: bool = False) -> None:
        into = self.synonyms if synonym else self.terms
        if clause.prefix:
            self.prefixes.append(clause.forms[0][0])
            for name, weight in FIELD_BOOSTS.items():
                for term in _expand_prefix(searcher, name, clause.forms[0][0]):
                    into.append((name, term, weight * boost))
            return
        if len(clause.forms) == 1:
            terms = clause.forms[0]
        else:  # a phrase, a hyphenated word: its pairs of words side by side
            terms = [f"{a[0]} {b[0]}" for a, b in pairwise(clause.forms)]
        for forms in clause.forms:
            self.marked.update(forms)
        for name, weight in FIELD_BOOSTS.items():
            for term in terms:
                into.append((name, term, weight * boost))


def parse(text: str) -> tuple[list[_Clause], list[_Clause]]:
    """(words, phrases) of a query: words outside quotes, "quoted phrases"."""
    words, phrases = [], []
    rest = []
    position = 0
    for match in PHRASES.finditer(text):
        rest.append(text[position:match.start()])
        position = match.end()
        inside = next((g for g in match.groups() if g is not None), "")
        forms = analyse(inside)
        if forms:
            phrases.append(_Clause(forms))
    rest.append(text[position:])
    for chunk in " ".join(rest).split():
        if chunk.endswith("*") and len(chunk.rstrip("*")) >= 2:
            folded = fold(chunk.rstrip("*"))
            if folded:
                words.append(_Clause([[folded[-1]]], prefix=True))
            continue
        forms = analyse(chunk)
        if len(forms) == 1:
            words.append(_Clause(forms))
        elif forms:  # aide-soignante, lève-malade: the parts side by side
            phrases.append(_Clause(forms))
    return words, phrases


def _plan(searcher, text: str, expansions: list[tuple[str, str]],
          statistics: dict | None = None) -> _Plan | None:
    """What to look for, and how much each term weighs, for what a person typed.

    expansions: (synonym, the term typed it stands for). A synonym's weight is
    scaled by the idf of the word typed over its own: a rare synonym
    (« marraine ») of a common word (« tuteur ») must not outweigh the word.
    """
    words, phrases = parse(text)
    if not words and not phrases:
        return None
    plan = _Plan(statistics={} if statistics is None else statistics)
    for clause in words + phrases:
        plan.add(clause, 1.0, searcher)
    plain = [c.forms[0][0] for c in words if not c.prefix]
    for a, b in pairwise(plain):
        for name, weight in FIELD_BOOSTS.items():
            plan.terms.append((name, f"{a} {b}", weight * PROXIMITY_BOOST))
    for term, typed in expansions:
        forms = analyse(term)
        if not forms:
            continue
        own = sum(plan.idf(searcher, f[0]) for f in forms)
        stands_for = sum(plan.idf(searcher, f[0]) for f in analyse(typed))
        boost = SYNONYM_BOOST * (min(1.0, stands_for / own) if own > 0 else 1.0)
        plan.add(_Clause(forms), boost, searcher, synonym=True)
    return plan


def _expand_prefix(searcher, field_name: str, prefix: str) -> list[str]:
    """The indexed words (not pairs) of a field that start with prefix, most frequent first."""
    terms = []
    for btext in searcher.reader().expand_prefix(field_name, prefix):
        term = btext.decode("utf-8") if isinstance(btext, bytes) else btext
        if " " not in term:
            terms.append(term)
    if len(terms) > MAX_PREFIX_TERMS:
        terms = sorted(terms, key=lambda t: -searcher.doc_frequency(field_name, t))
    return terms[:MAX_PREFIX_TERMS]


# --- Excerpts ---------------------------------------------------------------------

WORDS = re.compile(WORD_PATTERN)


class _Marks:
    """Cuts an excerpt around the words found and marks them (<mark>), HTML-escaped."""

    def __init__(self, plan: _Plan):
        self.marked = frozenset(plan.marked)
        self.prefixes = tuple(plan.prefixes)
        self._seen: dict[str, bool] = {}

    def _matches(self, word: str) -> bool:
        found = self._seen.get(word)
        if found is None:
            forms = word_forms(word)
            found = any(form in self.marked for form in forms) or bool(
                self.prefixes and forms and fold(word)
                and fold(word)[0].startswith(self.prefixes))
            self._seen[word] = found
        return found

    def excerpt(self, text: str) -> str:
        spans = []
        seen, matches = self._seen, self._matches
        for match in WORDS.finditer(text):
            word = match.group(0)
            found = seen.get(word)
            if found is None:
                found = matches(word)
            if found:
                spans.append(match.span())
                if len(spans) >= 12:
                    break
            elif spans and match.start() > spans[0][0] + 3 * EXCERPT_CHARS:
                break  # the densest window near the first words found is enough
        if not spans:
            return ""
        # The window holding the most marked words, starting a little before one of them.
        start = max((max(0, s - EXCERPT_LEAD) for s, _ in spans),
                    key=lambda a: (sum(1 for s, e in spans if a <= s and e <= a + EXCERPT_CHARS),
                                   -a))
        if start > 0:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < spans[-1][0] else start
        end = min(len(text), start + EXCERPT_CHARS)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
        parts = ["… " if start > 0 else ""]
        position = start
        for s, e in spans:
            if s < position or e > end:
                continue
            parts.append(html.escape(text[position:s], quote=False))
            parts.append(f"<mark>{html.escape(text[s:e], quote=False)}</mark>")
            position = e
        parts.append(html.escape(text[position:end], quote=False))
        parts.append(" …" if end < len(text) else "")
        return "".join(parts)


# --- Spelling ---------------------------------------------------------------------


def _frequency(searcher, forms) -> int:
    """In how many documents (summed over the fields) these indexed forms appear."""
    return sum(searcher.doc_frequency(name, form) for name in FIELDS for form in forms)


def _closest(searcher, word: str, frequency: int) -> str | None:
    """The nearest spelling of word (folded) found in more documents than frequency."""
    maxdist = 1 if len(word) < 6 else 2
    candidates = set()
    for leaf, _ in _leaves(searcher):
        for name in SPELLING_FIELDS:
            try:
                candidates.update(leaf.terms_within(name, word, maxdist, prefix=1))
            except (KeyError, TermNotFound):  # a segment without that field
                continue
    ranked = []
    for candidate in candidates - {word}:
        found = _frequency(searcher, stems(candidate))
        if found > frequency:
            ranked.append((distance(word, candidate), -found, candidate))
    return min(ranked)[2] if ranked else None


def _fields(document: Document) -> dict:
    fields = asdict(document)
    fields["tags"] = ", ".join(document.tags)
    fields["organisation_id"] = str(document.organisation_id)
    return fields
