"""What every page shares: render() (page or block), error pages, security headers."""

import re

from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    make_response,
    render_template,
    request,
)
from flask_babel import format_date
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block

from app.extensions import db, htmx

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# French typography: a no-break space before « : ; ! ? » and inside « », so that
# the sign never starts a line. Only the text people read changes: text being
# edited or quoted as code (textarea, pre, code, script) and the tags themselves
# (an input's value, a link's title) are left exactly as typed.
_VERBATIM = re.compile(r"(<(textarea|pre|code|script)\b.*?</\2>)", re.S | re.I)
_TAG = re.compile(r"(<[^>]*>)")
_BEFORE_SIGN = re.compile(r"(?<=[^\s>]) ([;!?])")
_BEFORE_COLON = re.compile(r"(?<=[^\s>]) ([:»])(?=[\s.,]|$)")
_AFTER_GUILLEMET = re.compile(r"« ")


def _spaced(text: str) -> str:
    text = _BEFORE_SIGN.sub("\u202f\\1", text)
    text = _BEFORE_COLON.sub("\u00a0\\1", text)
    return _AFTER_GUILLEMET.sub("«\u00a0", text)


def french_spacing(html: str) -> str:
    """Put no-break spaces where French typography wants them, in the text only."""
    parts = _VERBATIM.split(html)
    out = []
    skip = 0
    for part in parts:
        if skip:
            skip -= 1
            continue
        if _VERBATIM.fullmatch(part):
            out.append(part)
            skip = 1  # the tag-name group that split() also returns
            continue
        out.extend(piece if piece.startswith("<") else _spaced(piece)
                   for piece in _TAG.split(part))
    return "".join(out)


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (not boosted, not a history restore)."""
    if not has_request_context():
        return False
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def field_error(form, message: str, field: str | None = None) -> None:
    """Show a refusal next to its field, or above the form when it has no field."""
    target = getattr(form, field, None) if field else None
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


def strip(value):
    """A form filter: phones and copy-paste add spaces around what people type."""
    return value.strip() if isinstance(value, str) else value


def french_date(value, style: str = "long") -> str:
    """« 1er décembre 2026 »: French writes the first day of a month as an ordinal."""
    if not value:
        return ""
    text = format_date(value, style)
    if style in ("long", "full") and value.day == 1:
        text = re.sub(r"(?<!\d)1 ", "1er ", text, count=1)
    return text


def render(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only `block` of it for an htmx request."""
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


ERRORS = {
    400: ("Requête incorrecte", "La demande envoyée n’a pas pu être comprise."),
    403: ("Accès refusé", "Vous n’avez pas accès à cette page avec votre rôle actuel."),
    404: ("Page introuvable", "Cette page n’existe pas ou n’existe plus."),
    405: ("Action non permise", "Cette adresse ne permet pas cette action."),
    413: (
        "Envoi trop volumineux",
        "Le formulaire ou le fichier envoyé dépasse la taille autorisée.",
    ),
    429: ("Trop de demandes", "Trop de demandes en peu de temps. Patientez puis réessayez."),
    500: (
        "Erreur du serveur",
        "Une erreur inattendue est survenue. Rien n’a été enregistré pour cette action ; "
        "réessayez dans un instant.",
    ),
}


def error_page(status: int, message: str | None = None) -> Response:
    title, default = ERRORS[status]
    if status == 413 and message is None:
        from app.files import MAX_FILE_BYTES, human_size

        limit = current_app.config["MAX_CONTENT_LENGTH"]
        default = (f"L’envoi dépasse {human_size(limit)} en tout (chaque fichier : "
                   f"{human_size(MAX_FILE_BYTES)} au plus). Revenez en arrière, retirez un "
                   "fichier ou choisissez-en de plus légers, puis réessayez.")
    response = render("errors/error.html", status=status, title=title, message=message or default,
                      code=status)
    return response


def register(app: Flask) -> None:
    """Install the error pages and the security headers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return error_page(
            400,
            "Le formulaire a expiré ou ne provient pas de Compagnon. "
            "Rechargez la page puis recommencez.",
        )

    for status in ERRORS:
        if status == 500:
            continue
        app.register_error_handler(status, lambda error, status=status: error_page(status))

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return error_page(500)

    @app.after_request
    def typography(response: Response) -> Response:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            response.set_data(french_spacing(response.get_data(as_text=True)))
        return response

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static" and "Cache-Control" not in headers:
            # Pages are personal: never kept by shared caches.
            headers["Cache-Control"] = "private, no-cache"
        return response
