"""Single-use invitation links (administrators here; cohorts and organisers build on it)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ..models import Invitation, InvitationPurpose, User, utcnow
from . import accounts, audit
from .tokens import new_token, token_hash


class LinkState(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LookedUp:
    state: LinkState
    invitation: Invitation | None = None


def create_invitation(
    session: Session,
    purpose: InvitationPurpose,
    *,
    valid_for: timedelta,
    email: str = "",
    locale: str = "en",
    created_by_id: int | None = None,
    **links,
) -> tuple[Invitation, str]:
    """A new invitation and its token (the only time the token is known)."""
    token = new_token()
    invitation = Invitation(
        token_hash=token_hash(token),
        purpose=purpose,
        email=email,
        locale=locale,
        created_by_id=created_by_id,
        expires_at=utcnow() + valid_for,
        **links,
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def look_up(
    session: Session, token: str, purpose: InvitationPurpose | tuple[InvitationPurpose, ...]
) -> LookedUp:
    """Find what a link points at without changing anything (mail scanners open links);
    ``purpose`` may name several (a link to join an organisation as organizer or viewer)."""
    digest = token_hash(token)
    purposes = purpose if isinstance(purpose, tuple) else (purpose,)
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.purpose.in_(purposes),
            or_(Invitation.token_hash == digest, Invitation.previous_token_hash == digest),
        )
    )
    if invitation is None:
        return LookedUp(LinkState.UNKNOWN)
    if invitation.token_hash != digest:
        return LookedUp(LinkState.REPLACED, invitation)
    if invitation.accepted_at is not None:
        return LookedUp(LinkState.USED, invitation)
    if invitation.expires_at <= utcnow():
        return LookedUp(LinkState.EXPIRED, invitation)
    return LookedUp(LinkState.VALID, invitation)


def admin_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(User.is_admin.is_(True)))))


def create_admin_link(session: Session, valid_for: timedelta) -> str:
    """A token for the page that creates an administrator account."""
    _invitation, token = create_invitation(
        session, InvitationPurpose.ADMINISTRATOR, valid_for=valid_for
    )
    return token


def accept_admin_link(
    session: Session,
    invitation: Invitation,
    *,
    email: str,
    name: str,
    password: str,
    locale: str,
) -> User:
    """Create the administrator and use up the link.

    The caller checks first that no account has this address: the link creates a new
    account and never takes over an existing one.
    """
    user = accounts.create_user(
        session, email=email, name=name, locale=locale, password=password, is_admin=True
    )
    invitation.accepted_at = utcnow()
    invitation.email = user.email
    audit.record(session, "admin.created", actor_id=user.id, object_type="user", object_id=user.id)
    return user
