"""Writing mails into the outbox. Delivery lives in ``delivery.py``."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment, Template
from sqlalchemy.orm import Session

from ..models import OutboxMail
from ..text import one_line


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
        subject, body = render_mail(template, context)
    mail = OutboxMail(to_address=to_address, kind=template, subject=subject, body_text=body)
    session.add(mail)
    session.flush()
    return mail


def render_mail(template: str, context: dict) -> tuple[str, str]:
    """The subject and body of ``email/<template>.txt``, in the current locale.

    The template's first line and the rest are rendered apart, so a value with a line
    break (a name typed with one, from wherever) can neither cut the subject short nor
    push text into the body: the subject is made one line, the body starts where the
    template says.
    """
    subject_template, body_template = _mail_templates(f"email/{template}.txt")
    context = dict(context)
    current_app.update_template_context(context)
    subject = one_line(subject_template.render(context))[:SUBJECT_MAX_LENGTH]
    return subject, body_template.render(context).strip() + "\n"


SUBJECT_MAX_LENGTH = 300  # OutboxMail.subject


def _mail_templates(name: str) -> tuple[Template, Template]:
    """The first line of template ``name`` and the rest, compiled once (again when the
    file changes, where Jinja reloads templates)."""
    env = current_app.jinja_env
    cache = current_app.extensions.setdefault("academy.mail_templates", {})
    found = cache.get(name)
    if found is None or (env.auto_reload and not found[2]()):
        source, _filename, uptodate = env.loader.get_source(env, name)
        first, _, rest = source.lstrip().partition("\n")
        found = cache[name] = (_plain(env, first), _plain(env, rest), uptodate or _always)
    return found[0], found[1]


def _plain(env: Environment, source: str) -> Template:
    # A template made from a string would be escaped as HTML; a mail is plain text.
    return env.from_string("{% autoescape false %}" + source + "{% endautoescape %}")


def _always() -> bool:
    return True
