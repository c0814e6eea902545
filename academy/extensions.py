"""Extension objects, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from flask import request
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
