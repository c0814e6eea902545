"""Extension objects, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # ProxyFix (PROXY_FIX setting) has already replaced remote_addr with the client's
    # address when the app sits behind a trusted proxy.
    return request.remote_addr or "unknown"


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the routes that need them; no default limit on every page.
limiter = Limiter(key_func=client_address)


def limit_failed_posts(
    address_prefix: str, account_key: Callable[[], str], failed: Callable[[Any], bool]
) -> Callable[[Callable], Callable]:
    """The limits of failed logins on a view that takes a secret (a password, a code, an
    invitation link): its POSTs for which ``failed`` says so count, per client address
    (``LOGIN_LIMIT_PER_ADDRESS``, keyed ``<address_prefix>:<address>``) and per account
    (``LOGIN_LIMIT_PER_ACCOUNT``, keyed by ``account_key``). A POST that goes on counts
    for neither, so a class signing in together from one address is not slowed."""

    def decorate(view: Callable) -> Callable:
        per_account = limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
            key_func=account_key,
            methods=["POST"],
            deduct_when=failed,
        )
        per_address = limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
            key_func=lambda: f"{address_prefix}:{client_address()}",
            methods=["POST"],
            deduct_when=failed,
        )
        return per_address(per_account(view))

    return decorate
