"""Compagnon: the intranet of a community of practice of workplace tutors."""

from flask import Flask

from app import config as settings
from app import web
from app.extensions import babel, csrf, db, htmx, login_manager, mail, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → CLI."""
    instance = settings.instance_path()
    if test_config and "INSTANCE_PATH" in test_config:
        instance = test_config["INSTANCE_PATH"]
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(instance),
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    app.config.from_mapping(settings.load(instance))
    if test_config:
        app.config.from_mapping(test_config)
    if proxies := app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    with app.app_context():
        from app.database import configure_sqlite

        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=lambda: "fr")
    mail.init_app(app)

    from app.accounts.session import install as install_login

    install_login(app, login_manager)
    web.register(app)

    from app import templating

    templating.register(app)

    from app.accounts import bp as accounts_bp
    from app.admin import bp as admin_bp
    from app.catalogue import bp as catalogue_bp
    from app.discussions import bp as discussions_bp
    from app.home import bp as home_bp
    from app.inventory import bp as inventory_bp
    from app.library import bp as library_bp
    from app.onboarding import bp as onboarding_bp
    from app.search import bp as search_bp

    for blueprint in [home_bp, accounts_bp, catalogue_bp, library_bp, inventory_bp,
                      discussions_bp, onboarding_bp, search_bp, admin_bp]:
        app.register_blueprint(blueprint)

    from app.cli import register as register_cli

    register_cli(app)
    return app
