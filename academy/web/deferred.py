"""Work that runs after the answer has been sent.

The WSGI server closes a response once it has written the body (gunicorn, Werkzeug's
server and the test client's ``response.close()`` alike); what is registered here runs
then, in an application context and a database session of its own, and is committed on
its own. The request's context and session are gone by that time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, current_app
from sqlalchemy.orm import Session

from ..db import get_session

log = logging.getLogger(__name__)


def after_response(response: Response, work: Callable[[Session], None]) -> Response:
    """Run ``work(session)`` and commit once ``response`` has been sent.

    For work whose duration must not show in the answer (whether an address has an
    account). A failure is logged and rolled back; the answer has been given already.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            session = get_session()
            try:
                work(session)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("work after the response failed")

    response.call_on_close(run)
    return response
