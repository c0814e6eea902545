"""Error pages in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from flask import Flask, current_app, flash, g, redirect, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from .db import database_unavailable, first_line

MESSAGES = {
    400: (
        _l("Something in that request was wrong"),
        _l("The page could not understand what was sent. Go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. Check the address, or start from the home page."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), None),  # says the limit: see too_large_message
    429: (
        _l("Too many attempts"),
        _l(
            "There were too many attempts in a short time. Wait a quarter of an hour and try again."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("The error has been logged. Try again in a moment; nothing you saved was lost."),
    ),
    503: (
        _l("Unavailable for a moment"),
        _l(
            "The site cannot reach its database just now. Wait a few seconds and try again; "
            "if you were saving something, check afterwards that it was saved."
        ),
    ),
}

# Seconds a client is asked to wait (Retry-After) when the database cannot be reached: a
# restart of PostgreSQL takes a second or two.
RETRY_AFTER = 5


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return (
        render_template("errors/error.html", code=code, title=title, message=detail or message),
        code,
    )


def upload_limit() -> str:
    """The largest request the site accepts (MAX_CONTENT_LENGTH), as people write it: 5 MB."""
    megabytes = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    return f"{format_decimal(round(megabytes, 1))} MB"


def too_large_message() -> str:
    return _(
        "What you sent is larger than the %(size)s this site accepts. Make it smaller, or "
        "split a list into several files, and try again.",
        size=upload_limit(),
    )


def back_when_too_large(
    to: Callable[..., str], message: Callable[[], Any] = too_large_message
) -> Callable:
    """For a view that takes an upload: a request larger than MAX_CONTENT_LENGTH goes back
    to the address ``to(**view_args)`` gives, with ``message()`` shown there, instead of
    an error page that only offers the home page.

    Such a request is refused before the view runs (CSRFProtect reads the form before
    every POST), so ``handle_too_large`` finds this on the view the URL leads to.
    ``to`` may abort (404 for something the user may not see): then the error page.
    """

    def mark(view: Callable) -> Callable:
        view.back_when_too_large = (to, message)  # type: ignore[attr-defined]
        return view

    return mark


def handle_too_large(error: RequestEntityTooLarge):
    """Back to the form the upload came from, with the limit, for a view marked with
    ``back_when_too_large`` and a logged-in user; the error page otherwise. The body is
    not read (it is too large); the session, and with it the login, is kept."""
    view = current_app.view_functions.get(request.endpoint or "")
    back = getattr(view, "back_when_too_large", None)
    if back is not None and current_user.is_authenticated:
        to, message = back
        try:
            address = to(**(request.view_args or {}))
        except HTTPException:
            pass
        else:
            flash(str(message()), "error")
            return redirect(address, 303)
    return render_error(error.code or 413, too_large_message())


def handle_csrf_error(error: CSRFError):
    return render_error(
        400,
        _l("The form had expired or was sent twice. Go back, reload the page and send it again."),
    )


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    response = render_error(error.code)
    if error.code == 405 and error.valid_methods:
        return (*response, {"Allow": ", ".join(error.valid_methods)})
    return response


def handle_unexpected(error: Exception):
    from flask import current_app

    # Tests see the traceback unless they ask for the error page.
    if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS") is not False:
        raise error
    current_app.logger.error("Unhandled error on %s", request.path, exc_info=error)
    return render_error(InternalServerError.code)


def handle_database_error(error: SQLAlchemyError):
    """The database cannot be reached (PostgreSQL restarting, say): 503 with Retry-After
    and a page that says to try again, one line in the log instead of a traceback. The
    request's transaction did not commit, or its outcome is unknown (the connection was
    cut during COMMIT), which the page says too. Any other database error is a bug: 500."""
    if not database_unavailable(error):
        return handle_unexpected(error)
    current_app.logger.warning(
        "The database is unavailable (%s %s): %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        first_line(error),
    )
    _forget_the_database()
    body, code = render_error(ServiceUnavailable.code)
    return body, code, {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}


def _forget_the_database() -> None:
    """Let the error page render without the database: drop the request's session (its
    connection is gone) and show the page as to a visitor, since the user's row, already
    loaded or not, cannot be read (again) now. The login itself is kept."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except SQLAlchemyError:
            with suppress(SQLAlchemyError):
                session.invalidate()
    g._login_user = current_app.login_manager.anonymous_user()
