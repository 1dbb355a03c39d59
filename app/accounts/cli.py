"""`flask users …`: account commands for operators."""

import click
from flask import Blueprint

from app.accounts import services
from app.accounts.models import Role

users_cli = Blueprint("users", __name__, cli_group="users")


@users_cli.cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Prénom et nom.")
@click.option("--password", required=True, help="Mot de passe (12 caractères au moins).")
@click.option("--org", "organisation", required=True, help="Organisation (créée si absente).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--admin", is_flag=True, help="Donne aussi le rôle d’administrateur·rice.")
def create(email, name, password, organisation, role, admin):
    """Create or update an account with a membership in ORG."""
    try:
        user = services.create_user(email, name, password, organisation, role, is_admin=admin)
    except services.AccountError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Compte prêt : {user.email} ({Role(role).label}, {organisation})"
               + (", administrateur·rice" if user.is_admin else ""))
