"""The login and verification rate limits and the storage that counts them (Redis)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .database import CONNECT_TIMEOUT
from .report import CheckReport, check_bool


def check_rate_limits(config: Mapping[str, Any], report: CheckReport, production: bool) -> None:
    from limits import parse_many

    for name in (
        "LOGIN_LIMIT_PER_ACCOUNT",
        "LOGIN_LIMIT_PER_ADDRESS",
        "CHECKIN_LIMIT_PER_USER",
        "VERIFY_LIMIT",
        "VERIFY_NAME_LIMIT",
    ):
        value = config.get(name)
        try:
            parse_many(str(value))
        except ValueError:
            report.errors.append(f"{name} {value!r} is not a rate limit like '10 per 15 minutes'")
    check_bool(config, "RATELIMIT_HEADERS_ENABLED", report)
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "")
    scheme = uri.partition("://")[0]
    if not scheme or "://" not in uri:
        report.errors.append(
            f"RATELIMIT_STORAGE_URI {uri!r} is not a storage address; e.g. redis://127.0.0.1:6379/0"
        )
    elif scheme == "memory" and production:
        report.errors.append(
            "RATELIMIT_STORAGE_URI is memory://: each gunicorn worker would count failed logins "
            "on its own and let brute force through. Set ACADEMY_RATELIMIT_STORAGE_URI to "
            "e.g. redis://127.0.0.1:6379/0"
        )


def check_rate_limit_storage(config: Mapping[str, Any], report: CheckReport) -> None:
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "")
    scheme = uri.partition("://")[0]
    if not scheme or "://" not in uri or scheme == "memory":
        return
    shown = _hide_password(uri)
    try:
        reachable = _ping_storage(uri, scheme)
    except Exception as error:  # any client library's error means the same to an operator
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        report.errors.append(f"cannot reach the rate-limit storage {shown}: {reason}")
        return
    if not reachable:
        report.errors.append(f"cannot reach the rate-limit storage {shown}")
        return
    report.passed.append(f"rate-limit storage ({shown})")


def _ping_storage(uri: str, scheme: str) -> bool:
    if scheme in ("redis", "rediss"):
        import redis

        client = redis.Redis.from_url(
            uri, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    from limits.storage import storage_from_string

    return bool(storage_from_string(uri).check())


def _hide_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))
