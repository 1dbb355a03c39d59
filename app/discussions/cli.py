"""`flask --app wsgi notifications digest --daily|--weekly`: the e-mail digests (cron)."""

import click
from flask import Blueprint

from app.discussions.models import EmailFrequency
from app.discussions.notifications import send_digests

notifications_cli = Blueprint("notifications", __name__, cli_group="notifications")


@notifications_cli.cli.command("digest")
@click.option("--daily", "frequency", flag_value=EmailFrequency.DAILY.value,
              help="Le résumé quotidien (une fois par jour, par exemple à 7 h).")
@click.option("--weekly", "frequency", flag_value=EmailFrequency.WEEKLY.value,
              help="Le résumé hebdomadaire (une fois par semaine, par exemple le lundi).")
def digest(frequency: str | None):
    """Send the digest to everyone who chose it; idempotent (nothing is sent twice)."""
    if frequency is None:
        raise click.UsageError("Précisez --daily ou --weekly.")
    sent = send_digests(EmailFrequency(frequency))
    click.echo(f"{sent} résumé{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}.")
