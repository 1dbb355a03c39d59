"""The one entry point to search: search(text, viewer=…) → SearchResults.

Callers never see the backend: the Whoosh index here, a PostgreSQL full-text
backend on several hosts later, behind the same SearchRequest/SearchResults.
"""

from dataclasses import replace

from sqlalchemy import select

from app.extensions import db
from app.library import policy as library_policy
from app.search import synonyms
from app.search.models import SearchOutbox
from app.search.results import SearchRequest, SearchResults
from app.search.sync import drain, get_index

FILTERS = ("type", "category", "phase", "sector")
MAX_QUERY = 200
FEW = 3  # fewer results than this: look for a close spelling that finds more


def _visibility(viewer) -> dict:
    """Published content for all; drafts for those who may edit them."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return {}
    if library_policy.is_reviewer(viewer):
        return {"all_drafts": True}
    return {"draft_organisations": [o.id for o in
                                    library_policy.contributing_organisations(viewer)]}


def search(text: str, *, viewer=None, page: int = 1, per_page: int = 10,
           filters: dict | None = None) -> SearchResults:
    """Ranked results with highlights and facets; misspelt words corrected, or a suggestion."""
    if db.session.scalar(select(SearchOutbox.id).limit(1)) is not None:
        # A change a dead worker (or a busy index) left behind: apply it before
        # answering, unless another process holds the index (then the next time).
        drain(timeout=0)
    text = " ".join(text.split())[:MAX_QUERY]
    request = SearchRequest(
        text=text, page=max(1, page), per_page=per_page,
        filters={k: v for k, v in (filters or {}).items() if k in FILTERS and v},
        expansions=synonyms.expansions(text), **_visibility(viewer),
    )
    if not text:
        return SearchResults(request=request)
    index = get_index()
    known = synonyms.vocabulary()
    correction = index.correct(text, known)
    if correction:  # a word no sheet holds: search the closest spelling, quietly
        corrected = replace(request, text=correction, expansions=synonyms.expansions(correction))
        results = index.search(corrected)
        if results.total:
            results.corrected_from = text
            return results
    results = index.search(request)
    if results.total >= FEW:
        return results
    suggestion = index.suggest(text, known)
    if suggestion and index.count(replace(
            request, text=suggestion, expansions=synonyms.expansions(suggestion))) > results.total:
        results.suggestion = suggestion
    return results
