"""Error pages in the user's language."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
    413: (
        _l("File too large"),
        _l(
            "What you sent is larger than the 5 MB this site accepts. "
            "Make it smaller and try again."
        ),
    ),
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
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return (
        render_template("errors/error.html", code=code, title=title, message=detail or message),
        code,
    )


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
