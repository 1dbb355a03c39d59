"""`flask contracts …`: the daily reminders, the retention purge, the shipped templates."""

from datetime import date, datetime

import click
from flask import Blueprint, current_app

from app.accounts.models import utcnow
from app.config import ROOT
from app.onboarding import services
from app.onboarding.importer import load_templates
from app.onboarding.schedule import add_months

contracts_cli = Blueprint("contracts", __name__, cli_group="contracts")


def _date(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as error:
        raise click.BadParameter("une date AAAA-MM-JJ, par exemple 2026-01-31") from error


@contracts_cli.cli.command("remind")
@click.option("--today", callback=_date, help="Jour de référence AAAA-MM-JJ (tests, rattrapage).")
def remind(today: date | None):
    """E-mail the parties about meetings due soon and overdue ones (idempotent: daily cron)."""
    sent = services.send_reminders(today or utcnow().date())
    click.echo(f"{sent} rappel{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}.")


@contracts_cli.cli.command("purge")
@click.option("--closed-before", "closed_before", callback=_date,
              help="Anonymise les contrats clôturés avant cette date (AAAA-MM-JJ). "
                   "Par défaut : aujourd’hui moins la durée de conservation.")
def purge(closed_before: date | None):
    """Anonymise closed contracts (names, free text); the anonymous figures stay."""
    today = utcnow().date()
    by_retention = closed_before is None
    if closed_before is None:
        months = current_app.config["CONTRACTS_RETENTION_MONTHS"]
        closed_before = add_months(today, -months)
    elif closed_before > today:
        raise click.BadParameter(
            f"au plus tard aujourd’hui ({today.isoformat()}) : une date à venir anonymiserait "
            "des contrats à peine clôturés", param_hint="--closed-before")
    count = services.purge(closed_before, by_retention)
    click.echo(f"{count} contrat{'s' if count > 1 else ''} clôturé{'s' if count > 1 else ''} "
               f"avant le {closed_before.strftime('%d/%m/%Y')} anonymisé"
               f"{'s' if count > 1 else ''}.")


@contracts_cli.cli.command("templates")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
def templates(folder: str | None):
    """Import the shared templates of content/contracts/ (upserted by file name, published)."""
    try:
        loaded = load_templates(folder or ROOT / "content" / "contracts")
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(loaded)} modèle{'s' if len(loaded) > 1 else ''} de livret importé"
               f"{'s' if len(loaded) > 1 else ''} : {', '.join(loaded)}.")
