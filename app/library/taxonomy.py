"""The fixed vocabularies (DESIGN.md "Taxonomies"), stored in taxonomy_terms.

Migration 0002 seeds the table; admins edit labels afterwards. Reading them
costs one query per request at most.
"""

from flask import g
from sqlalchemy import select

from app.extensions import db
from app.library.models import TaxonomyTerm


def terms(kind: str) -> list[tuple[str, str]]:
    """(slug, label) pairs of one vocabulary, in order."""
    cache = g.get("_taxonomy")
    if cache is None:
        cache = {}
        rows = db.session.execute(
            select(TaxonomyTerm.kind, TaxonomyTerm.slug, TaxonomyTerm.label)
            .order_by(TaxonomyTerm.kind, TaxonomyTerm.position)
        ).all()
        for row_kind, slug, label in rows:
            cache.setdefault(row_kind, []).append((slug, label))
        g._taxonomy = cache
    return cache.get(kind, [])


def label(kind: str, slug: str | None) -> str:
    return dict(terms(kind)).get(slug or "", slug or "")


def is_valid(kind: str, slug: str | None) -> bool:
    return any(value == slug for value, _ in terms(kind))
