"""`flask search …`: query, rebuild and inspect the index (stable interface)."""

import json
import sys

import click
from flask import Blueprint
from sqlalchemy import func, select

from app.catalogue.models import Lesson, Module
from app.discussions.models import Post, PostFile, Thread
from app.extensions import db
from app.library.models import Practice, PracticeFile, PracticeStatus
from app.search import sync
from app.search.documents import count as documents_count
from app.search.service import search

search_cli = Blueprint("search_cli", __name__, cli_group="search")


@search_cli.cli.command("query")
@click.argument("text")
@click.option("--limit", default=10, show_default=True, help="Nombre de résultats.")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON.")
def query(text: str, limit: int, as_json: bool):
    """Search published content, best first."""
    results = search(text, per_page=max(1, limit))
    rows = [{"type": h.type, "slug": h.slug, "title": h.title, "score": h.score}
            for h in results.hits[:limit]]
    if as_json:
        click.echo(json.dumps({"total": results.total, "results": rows}, ensure_ascii=False))
        return
    if results.corrected_from:
        click.echo(f"(aucun résultat pour « {results.corrected_from} » : résultats pour "
                   f"« {results.request.text} »)")
    click.echo(f"{results.total} résultat(s)")
    for row in rows:
        click.echo(f"  {row['score']:>8.3f}  [{row['type']}] {row['title']}  ({row['slug']})")


@search_cli.cli.command("reindex")
def reindex():
    """Rebuild the index from the database."""
    def progress(documents):
        if sys.stdout.isatty():
            total = documents_count(db.session)
            with click.progressbar(documents, length=total, label="Indexation") as bar:
                yield from bar
        else:
            yield from documents

    count = sync.rebuild(progress)
    click.echo(f"Index reconstruit : {count} document(s).")


@search_cli.cli.command("status")
def status():
    """Documents in the database vs in the index, and changes waiting in the outbox."""
    practices = db.session.scalar(select(func.count(Practice.id)).where(
        Practice.status != PracticeStatus.ARCHIVED))
    tools = db.session.scalar(
        select(func.count(PracticeFile.id)).join(PracticeFile.practice)
        .where(Practice.status == PracticeStatus.PUBLISHED))
    modules = db.session.scalar(select(func.count(Module.id)).where(Module.status != "archived"))
    lessons = db.session.scalar(select(func.count(Lesson.id)).join(Lesson.module)
                                .where(Module.status != "archived"))
    public = (Thread.is_private.is_(False), Thread.removed_at.is_(None))
    discussions = db.session.scalar(select(func.count(Thread.id)).where(*public))
    tools += db.session.scalar(
        select(func.count(PostFile.id)).join(PostFile.post).join(Post.thread)
        .where(*public, Post.deleted_at.is_(None), Post.hidden_at.is_(None)))
    index = sync.get_index()
    indexed = index.counts()
    click.echo(f"{'type':<10}{'base':>8}{'index':>8}")
    for kind, count in (("practice", practices), ("tool", tools), ("module", modules),
                        ("lesson", lessons), ("discussion", discussions)):
        click.echo(f"{kind:<10}{count:>8}{indexed.get(kind, 0):>8}")
    click.echo(f"En attente dans l’outbox : {sync.pending()}")
    click.echo(f"Segments de l’index : {index.segment_count()}")
    if not index.current():
        click.echo("L’index a été construit par une version précédente : "
                   "lancez « flask search reindex ».")


@search_cli.cli.command("drain")
def drain():
    """Apply the changes waiting in the outbox."""
    click.echo(f"{sync.drain()} changement(s) appliqué(s).")


@search_cli.cli.command("optimize")
def optimize():
    """Merge the index segments (run off-peak, e.g. nightly)."""
    sync.get_index().optimize()
    click.echo("Index optimisé.")
