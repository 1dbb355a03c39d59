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
    """Ranked results with highlights and facets; typos corrected when nothing matches."""
    if db.session.scalar(select(SearchOutbox.id).limit(1)) is not None:
        drain()  # a change a dead worker left behind: apply it before answering
    text = " ".join(text.split())[:MAX_QUERY]
    request = SearchRequest(
        text=text, page=max(1, page), per_page=per_page,
        filters={k: v for k, v in (filters or {}).items() if k in FILTERS and v},
        expansions=synonyms.expansions(text), **_visibility(viewer),
    )
    if not text:
        return SearchResults(request=request)
    index = get_index()
    results = index.search(request)
    if results.total >= 3:
        return results
    correction = index.suggest(text)
    if not correction:
        return results
    corrected = replace(request, text=correction, expansions=synonyms.expansions(correction))
    if results.total == 0:
        alternative = index.search(corrected)
        if alternative.total:
            alternative.corrected_from = text
            return alternative
    elif index.count(corrected) > results.total:
        results.suggestion = correction
    return results
