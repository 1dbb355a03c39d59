"""`flask content import DIR`: curated content from git into the database."""

import sys
from pathlib import Path

import click
from flask import Blueprint

from app.catalogue import importer as catalogue_importer
from app.library import importer

content_cli = Blueprint("content", __name__, cli_group="content")


@content_cli.cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Écrase aussi les modules modifiés sur le web depuis le dernier import.")
def import_content(folder: Path, force: bool):
    """Import practice sheets, training modules and paths from FOLDER (upsert by slug)."""
    report = run_import(folder, echo=True)
    modules = catalogue_importer.import_folder(folder, force=force)
    _print("Modules et parcours", modules)
    if report.errors or modules.errors:
        sys.exit(1)


def _print(label: str, report: importer.ImportReport) -> None:
    click.echo(
        f"{label} : {len(report.created)} créé(s), {len(report.updated)} mis à jour, "
        f"{len(report.unchanged)} inchangé(s), {len(report.errors)} en erreur."
    )
    for slug in report.kept:
        click.echo(f"  non écrasé (modifié sur le web ; --force pour l’écraser) : {slug}")
    for line in report.errors:
        click.echo(f"  erreur : {line}", err=True)


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
