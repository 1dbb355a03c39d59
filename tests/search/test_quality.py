"""Compagnon's ranking beats a plain SQLite FTS5 on the evaluation set (tests/search/queries.yml).

The same 36 sheets of content/practices, the same graded queries; `make bench-search`
prints the details (per kind of query, MRR, latency).
"""

from tests.search import seed_vocabularies
from tests.search.bench import PRACTICES_DIR, compare, import_practices, load_queries

MARGIN = 0.05  # nDCG@10 points: « clearly better »


def test_compagnon_ranks_clearly_better_than_fts5(app):
    seed_vocabularies(app)
    queries = load_queries()
    assert len(queries) >= 40
    with app.app_context():
        assert import_practices(PRACTICES_DIR) == len(list(PRACTICES_DIR.glob("*.md")))
        ours, fts5 = compare(queries)
    assert ours.ndcg >= fts5.ndcg + MARGIN, (ours.ndcg, fts5.ndcg)
    assert ours.mrr > fts5.mrr, (ours.mrr, fts5.mrr)
    # Where the engines differ most: what FTS5 cannot do at all.
    for kind in ("synonym", "typo"):
        assert ours.per_kind[kind][0] >= fts5.per_kind[kind][0] + 0.2, kind
    # And nowhere much worse.
    for kind, (score, _, _) in ours.per_kind.items():
        assert score >= fts5.per_kind[kind][0] - 0.05, kind
