"""Every `flask --app wsgi …` command group, registered in one place."""

from flask import Flask

from app.accounts.cli import users_cli
from app.content import content_cli
from app.demo import demo_cli
from app.discussions.cli import notifications_cli
from app.onboarding.cli import contracts_cli
from app.search.cli import search_cli


def register(app: Flask) -> None:
    for blueprint in [users_cli, content_cli, search_cli, notifications_cli, contracts_cli,
                      demo_cli]:
        app.register_blueprint(blueprint)
