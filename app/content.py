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
              help="Écrase aussi ce qui a été modifié sur le web depuis le dernier import.")
def import_content(folder: Path, force: bool):
    """Import practice sheets, training modules and paths from FOLDER (upsert by slug)."""
    reports = run_import(folder, force=force, echo=True)
    if any(report.errors for report in reports):
        sys.exit(1)


def run_import(folder: Path, force: bool = False,
               echo: bool = False) -> list[importer.ImportReport]:
    """Sheets, then modules and paths; each bad file is reported, the others import."""
    def progress(items):
        if echo and sys.stdout.isatty():
            with click.progressbar(items, label="Fiches pratiques") as bar:
                yield from bar
        else:
            yield from items

    sheets = importer.import_folder(folder, progress=progress, force=force)
    modules = catalogue_importer.import_folder(folder, force=force)
    if echo:
        _print("Fiches pratiques", "e", sheets)
        _print("Modules et parcours", "", modules)
    return [sheets, modules]


def _print(label: str, e: str, report: importer.ImportReport) -> None:
    """A summary line, then what needs a look ("e": the feminine agreement of sheets)."""
    click.echo(
        f"{label} : {len(report.created)} créé{e}(s), {len(report.updated)} mis{e}(s) à jour, "
        f"{len(report.unchanged)} inchangé{e}(s), {len(report.errors)} en erreur."
    )
    for slug in report.kept:
        click.echo(f"  non écrasé{e} (modifié{e} sur le web depuis le dernier import ; "
                   f"--force pour l’écraser) : {slug}")
    for line in report.warnings:
        click.echo(f"  attention : {line}", err=True)
    for line in report.errors:
        click.echo(f"  erreur : {line}", err=True)
