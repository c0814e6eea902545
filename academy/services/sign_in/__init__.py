"""Signing in through an organisation's own identity provider (OpenID Connect): the
providers an administrator sets up (``providers``, their secrets encrypted by
``encryption``), the protocol (``oidc``) and the accounts it signs in to (``linking``)."""

from . import encryption, linking, oidc, providers
from .linking import Outcome, accept_invitation, account_for, complete, identities_of
from .oidc import Claims, SignInFailed, end_session_url, finish, start
from .providers import (
    ProviderProblem,
    ProviderValues,
    covers,
    parse_domains,
    provider_for_email,
    provider_of,
)

__all__ = [
    "Claims",
    "Outcome",
    "ProviderProblem",
    "ProviderValues",
    "SignInFailed",
    "accept_invitation",
    "account_for",
    "complete",
    "covers",
    "encryption",
    "end_session_url",
    "finish",
    "identities_of",
    "linking",
    "oidc",
    "parse_domains",
    "provider_for_email",
    "provider_of",
    "providers",
    "start",
]
