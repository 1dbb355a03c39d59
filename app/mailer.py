"""Sending e-mail. Without MAIL_SERVER, messages are written as .eml files to the outbox."""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex

from flask import current_app, g, render_template
from flask_mail import Message

from app.extensions import mail

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, template: str, **context) -> Message:
    """Render templates/mail/<template>.txt and send it (or write it to the outbox)."""
    body = render_template(f"mail/{template}.txt", **context)
    message = Message(subject=subject, recipients=[to], body=body)
    if current_app.config["MAIL_SERVER"]:
        if g.get("mail_unreachable"):  # the batch's connection failed: fail at once
            raise ConnectionError(f"SMTP server {current_app.config['MAIL_SERVER']} not reached")
        connection = g.get("mail_connection")
        if connection is not None:
            try:
                connection.send(message)
                return message
            except smtplib.SMTPServerDisconnected:  # dropped mid-batch: a new one
                g.pop("mail_connection", None)
        mail.send(message)
    else:
        outbox = Path(current_app.config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        (outbox / f"{stamp}-{token_hex(4)}.eml").write_bytes(message.as_bytes())
    return message


@contextmanager
def one_connection() -> Iterator[None]:
    """Send the mails of a batch (notifications, digests, reminders) over one SMTP
    connection instead of one each. A server that cannot be reached costs one timeout,
    not one per mail: each send_mail of the batch then fails at once (its caller logs
    it; digests and reminders try again at their next run)."""
    if (not current_app.config["MAIL_SERVER"] or g.get("mail_connection") is not None
            or g.get("mail_unreachable")):  # no SMTP, or inside a batch already
        yield
        return
    try:
        connection = mail.connect().__enter__()
    except (OSError, smtplib.SMTPException):
        log.exception("SMTP server %s not reached", current_app.config["MAIL_SERVER"])
        g.mail_unreachable = True
        try:
            yield
        finally:
            g.pop("mail_unreachable", None)
        return
    g.mail_connection = connection
    try:
        yield
    finally:
        g.pop("mail_connection", None)
        with suppress(OSError, smtplib.SMTPException):  # already closed by the server
            connection.__exit__(None, None, None)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, built on PUBLIC_URL, never on the request's Host
    header (which an attacker controls in a password-reset request)."""
    path = current_app.url_map.bind("compagnon").build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
