"""Writing mails into the outbox. Delivery lives in ``delivery.py``."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ..models import OutboxMail


def absolute_url(endpoint: str, **values) -> str:
    """An address for a mail or a printed link, built on the BASE_URL setting.

    Works without a request (CLI, workers), where ``url_for(_external=True)`` cannot.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def queue_mail(
    session: Session, to_address: str, template: str, locale: str, **context
) -> OutboxMail:
    """Render ``email/<template>.txt`` in ``locale`` and add it to the outbox.

    The template's first line is the subject; the rest, after one blank line, the body.
    """
    with force_locale(locale):
        rendered = render_template(f"email/{template}.txt", **context)
    subject, _, body = rendered.lstrip().partition("\n")
    mail = OutboxMail(
        to_address=to_address,
        kind=template,
        subject=subject.strip()[:300],
        body_text=body.strip() + "\n",
    )
    session.add(mail)
    session.flush()
    return mail
