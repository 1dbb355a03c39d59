"""Settings: defaults that point into the instance folder, then the environment."""

import os
import secrets
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    """The instance folder: database, index, uploads, outbox. One per deployment."""
    return Path(os.environ.get("COMPAGNON_INSTANCE", ROOT / "instance")).resolve()


def _development_secret(folder: Path) -> str:
    """A key kept in the instance folder so that every worker of one instance shares it."""
    key_file = folder / "secret_key"
    try:
        # O_EXCL: when several workers start at once, one writes and all read the same key.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):  # the writer may not have finished its single write yet
        if key := key_file.read_text().strip():
            return key
        time.sleep(0.01)
    raise RuntimeError(f"Clé secrète vide dans {key_file} : supprimez ce fichier.")


def load(folder: Path) -> dict:
    """Build the settings for an instance folder from defaults and the environment."""
    env = os.environ.get("COMPAGNON_ENV", "development")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError(
                "SECRET_KEY doit être défini en production (COMPAGNON_ENV=production)."
            )
        secret = _development_secret(folder)
    mail_server = os.environ.get("MAIL_SERVER", "")
    return {
        "COMPAGNON_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{folder / 'compagnon.db'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "OUTBOX_DIR": str(folder / "outbox"),
        "UPLOADS_DIR": str(folder / "uploads"),
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        # Requests: 20 MB in all (files later), 1 MB of form fields, 1,000 parts.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "MAX_FORM_PARTS": 1000,
        # Cookies: signed session, HttpOnly, SameSite=Lax; Secure outside development.
        "SESSION_COOKIE_NAME": "compagnon_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_NAME": "compagnon_remember",
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": production,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("COMPAGNON_TIMEZONE", "Europe/Paris"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 587)),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Compagnon <ne-pas-repondre@compagnon.local>"
        ),
        # Public address used in e-mails (links must work outside a request).
        "PUBLIC_URL": os.environ.get("COMPAGNON_PUBLIC_URL", "http://127.0.0.1:5000"),
        "INVITATION_DAYS": 14,
        "PASSWORD_RESET_HOURS": 2,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_MINUTES": 15,
        "PAGE_SIZE": 20,
        # Discussions: posts per page of a thread; a new account (created less than
        # NEW_ACCOUNT_DAYS ago) posts at most RATE_LIMIT messages in RATE_MINUTES.
        "DISCUSSION_POSTS_PER_PAGE": 20,
        "DISCUSSION_NEW_ACCOUNT_DAYS": 7,
        "DISCUSSION_RATE_LIMIT": 5,
        "DISCUSSION_RATE_MINUTES": 10,
        # Number of reverse proxies in front of the app (X-Forwarded-For/Proto/Host trusted).
        "PROXIES": int(os.environ.get("COMPAGNON_PROXIES", 0)),
        # Onboarding contracts: warnings when choosing a tutor, reminders, retention.
        "CONTRACTS_TUTOR_MAX_NEWCOMERS": int(os.environ.get("COMPAGNON_TUTOR_MAX_NEWCOMERS", 2)),
        "CONTRACTS_TUTOR_TRAINING_WARNING": os.environ.get("COMPAGNON_TUTOR_TRAINING_WARNING",
                                                           "1") == "1",
        "CONTRACTS_REMINDER_DAYS": int(os.environ.get("COMPAGNON_REMINDER_DAYS", 7)),
        "CONTRACTS_RETENTION_MONTHS": int(os.environ.get("COMPAGNON_RETENTION_MONTHS", 24)),
    }
