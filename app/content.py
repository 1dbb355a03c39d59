"""`flask content import DIR`: curated content from git into the database."""

import sys
from pathlib import Path

import click
from flask import Blueprint

from app.library import importer

content_cli = Blueprint("content", __name__, cli_group="content")


@content_cli.cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_content(folder: Path):
    """Import practice sheets from FOLDER (upsert by slug; idempotent)."""
    report = run_import(folder, echo=True)
    if report.errors:
        sys.exit(1)


def run_import(folder: Path, echo: bool = False) -> importer.ImportReport:
    def progress(items):
        if echo and sys.stdout.isatty():
            with click.progressbar(items, label="Fiches pratiques") as bar:
                yield from bar
        else:
            yield from items

    report = importer.import_folder(folder, progress=progress)
    if echo:
        click.echo(
            f"Fiches pratiques : {len(report.created)} créée(s), {len(report.updated)} mise(s) "
            f"à jour, {len(report.unchanged)} inchangée(s), {len(report.errors)} en erreur."
        )
        for slug in report.kept:
            click.echo(f"  non écrasée (modifiée sur le web depuis le dernier import) : {slug}")
        for line in report.warnings:
            click.echo(f"  attention : {line}", err=True)
        for line in report.errors:
            click.echo(f"  erreur : {line}", err=True)
    return report
