"""Sending e-mail. Without MAIL_SERVER, messages are written as .eml files to the outbox."""

from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex

from flask import current_app, render_template
from flask_mail import Message

from app.extensions import mail


def send_mail(to: str, subject: str, template: str, **context) -> Message:
    """Render templates/mail/<template>.txt and send it (or write it to the outbox)."""
    body = render_template(f"mail/{template}.txt", **context)
    message = Message(subject=subject, recipients=[to], body=body)
    if current_app.config["MAIL_SERVER"]:
        mail.send(message)
    else:
        outbox = Path(current_app.config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        (outbox / f"{stamp}-{token_hex(4)}.eml").write_bytes(message.as_bytes())
    return message


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, built on PUBLIC_URL, never on the request's Host
    header (which an attacker controls in a password-reset request)."""
    path = current_app.url_map.bind("compagnon").build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
