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


class TaxonomyError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


KIND_LABELS = {"category": "Catégories", "phase": "Étapes de l’accueil", "sector": "Secteurs"}


def rename_term(term: TaxonomyTerm, label: str) -> None:
    """Change the label people read; the slug (in URLs and content files) stays."""
    label = " ".join(label.split())
    if not label or len(label) > 80:
        raise TaxonomyError("Le libellé doit faire entre 1 et 80 caractères.")
    term.label = label
    db.session.commit()


def add_term(kind: str, label: str) -> TaxonomyTerm:
    """Add a value at the end of a vocabulary, with a slug made from its label."""
    from app.library.services import slugify

    if kind not in KIND_LABELS:
        raise TaxonomyError("Vocabulaire inconnu.")
    label = " ".join(label.split())
    if not label or len(label) > 80:
        raise TaxonomyError("Le libellé doit faire entre 1 et 80 caractères.")
    slug = slugify(label, limit=40)
    if any(existing == slug for existing, _ in terms(kind)):
        raise TaxonomyError("Cette valeur existe déjà dans ce vocabulaire.")
    position = len(terms(kind))
    term = TaxonomyTerm(kind=kind, slug=slug, label=label, position=position)
    db.session.add(term)
    db.session.commit()
    g.pop("_taxonomy", None)
    return term
