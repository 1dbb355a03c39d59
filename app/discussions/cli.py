"""`flask --app wsgi notifications digest --daily|--weekly`: the e-mail digests (cron)."""

import click
from flask import Blueprint

from app.discussions.models import EmailFrequency
from app.discussions.notifications import send_digests

notifications_cli = Blueprint("notifications", __name__, cli_group="notifications")


@notifications_cli.cli.command("digest")
@click.option("--daily", is_flag=True,
              help="Le résumé quotidien (une fois par jour, par exemple à 7 h).")
@click.option("--weekly", is_flag=True,
              help="Le résumé hebdomadaire (une fois par semaine, par exemple le lundi).")
def digest(daily: bool, weekly: bool):
    """Send the digest to everyone who chose it; idempotent (nothing is sent twice)."""
    if daily == weekly:
        raise click.UsageError("Précisez --daily ou --weekly (l’un des deux, une commande "
                               "par rythme).")
    sent = send_digests(EmailFrequency.DAILY if daily else EmailFrequency.WEEKLY)
    click.echo(f"{sent} résumé{'s' if sent > 1 else ''} envoyé{'s' if sent > 1 else ''}.")
