"""An organisation's provider as the administrator sets it up, and which provider an
e-mail address belongs to."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from ...models import Organisation, SignInDomain, SignInProvider, normalize_email, utcnow
from .. import audit
from . import encryption


@dataclass(frozen=True)
class ProviderValues:
    issuer: str
    client_id: str
    # Empty keeps the stored secret (it is never shown again).
    client_secret: str
    domains: tuple[str, ...]
    required: bool
    enabled: bool


class ProviderProblem(ValueError):
    """What is wrong with the values, per field: ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def issuer_problem(issuer: str) -> str | None:
    """Why ``issuer`` cannot be a provider's issuer (https, no query or fragment), or
    None; plain http only on this machine (a provider for development and tests)."""
    try:
        parts = urlsplit(issuer)
    except ValueError:
        return "not an address"
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        return "not an address"
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)):
        return None
    return "not https"


def parse_domains(text: str) -> tuple[str, ...]:
    """The domains typed one a line or separated by commas or spaces, lower case, in
    order, once each; "@" in front is dropped. Raises ValueError naming a bad one."""
    found: list[str] = []
    for word in re.split(r"[\s,;]+", text.strip()):
        if not word:
            continue
        domain = word.lstrip("@").rstrip(".").casefold()
        if not _is_domain(domain):
            raise ValueError(word)
        if domain not in found:
            found.append(domain)
    return tuple(found)


def _is_domain(domain: str) -> bool:
    """Labels of letters, digits and hyphens (not at either end), at least two, the last
    not a number: what an e-mail address's domain looks like (IDN as typed)."""
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or labels[-1].isdigit():
        return False
    return all(
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(ch.isalnum() or ch == "-" for ch in label)
        for label in labels
    )


def provider_of(session: Session, organisation_id: int) -> SignInProvider | None:
    return session.scalar(
        select(SignInProvider)
        .where(SignInProvider.organisation_id == organisation_id)
        .options(selectinload(SignInProvider.domains))
    )


def provider_for_email(session: Session, email: str) -> SignInProvider | None:
    """The enabled provider that covers the address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    return session.scalar(
        select(SignInProvider)
        .join(SignInDomain)
        .where(SignInDomain.domain == domain, SignInProvider.enabled.is_(True))
    )


def covers(provider: SignInProvider, email: str) -> bool:
    domain = email_domain(email)
    return any(each.domain == domain for each in provider.domains)


def save(
    session: Session, organisation: Organisation, values: ProviderValues, *, actor_id: int
) -> SignInProvider:
    """Set up or change the organisation's provider (audited, without the secret).
    Raises ProviderProblem for a value that cannot be kept."""
    problem = issuer_problem(values.issuer)
    if problem:
        raise ProviderProblem("issuer", problem)
    if not values.domains:
        raise ProviderProblem("domains", "none")
    taken = session.execute(
        select(SignInDomain.domain, SignInProvider.organisation_id)
        .join(SignInProvider)
        .where(
            SignInDomain.domain.in_(values.domains),
            SignInProvider.organisation_id != organisation.id,
        )
    ).first()
    if taken is not None:
        raise ProviderProblem("domains", taken.domain)
    provider = provider_of(session, organisation.id)
    if provider is None and not values.client_secret:
        raise ProviderProblem("client_secret", "missing")
    if provider is None:
        provider = SignInProvider(organisation_id=organisation.id)
        session.add(provider)
    if values.client_secret:
        provider.client_secret_encrypted = encryption.encrypt(values.client_secret)
    changed_issuer = provider.issuer is not None and provider.issuer != values.issuer
    provider.issuer = values.issuer.rstrip("/") if values.issuer.endswith("/") else values.issuer
    provider.client_id = values.client_id
    provider.required = values.required
    provider.enabled = values.enabled
    provider.updated_at = utcnow()
    kept = {each.domain: each for each in provider.domains}
    provider.domains = [
        kept.get(domain) or SignInDomain(domain=domain) for domain in values.domains
    ]
    session.flush()
    audit.record(
        session,
        "sign_in_provider.saved",
        actor_id=actor_id,
        object_type="sign_in_provider",
        object_id=provider.id,
        organisation_id=organisation.id,
        issuer=provider.issuer,
        client_id=provider.client_id,
        domains=list(values.domains),
        required=values.required,
        enabled=values.enabled,
        secret_changed=bool(values.client_secret),
        issuer_changed=changed_issuer,
    )
    return provider


def remove(session: Session, organisation: Organisation, *, actor_id: int) -> bool:
    """Remove the provider (the links of people to it stay, unused: they sign in with a
    password, which they can ask for by "forgot your password")."""
    provider = provider_of(session, organisation.id)
    if provider is None:
        return False
    session.execute(delete(SignInDomain).where(SignInDomain.provider_id == provider.id))
    audit.record(
        session,
        "sign_in_provider.removed",
        actor_id=actor_id,
        object_type="sign_in_provider",
        object_id=provider.id,
        organisation_id=organisation.id,
        issuer=provider.issuer,
    )
    session.delete(provider)
    session.flush()
    return True
