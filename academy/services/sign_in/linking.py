"""Which account a provider's person signs in to.

The provider's subject (``iss`` + ``sub``) once linked is what signs in, whatever the
address becomes. The first time, an account with the asserted address is linked only
when the provider says the address is verified and the address is of one of the
provider's domains: otherwise anyone able to set an address at some provider could take
over the account of that address. With no account of that address, one is made (the
name from the provider, the name on certificates asked once). Refusals change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    ExternalIdentity,
    InvitationPurpose,
    SignInProvider,
    User,
    normalize_email,
    utcnow,
)
from .. import accounts, audit, enrolments, invitations, organizers
from .oidc import Claims, finish
from .providers import covers


@dataclass(frozen=True)
class Outcome:
    """The account signed in to, whether it was made now, or why there is none:
    no_email (the provider gave no address), wrong_domain (not one of its domains),
    unverified (an account has the address, which the provider does not vouch for)."""

    user: User | None
    created: bool = False
    problem: str = ""


def account_for(
    session: Session, provider: SignInProvider, claims: Claims, *, locale: str
) -> Outcome:
    identity = session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims.issuer, ExternalIdentity.subject == claims.subject
        )
    )
    if identity is not None:
        identity.last_sign_in_at = utcnow()
        identity.user.last_login_at = identity.last_sign_in_at
        return Outcome(identity.user)
    if not claims.email:
        return Outcome(None, problem="no_email")
    if not covers(provider, claims.email):
        return Outcome(None, problem="wrong_domain")
    user = accounts.find_user_by_email(session, claims.email)
    created = user is None
    if user is not None and not claims.email_verified:
        return Outcome(None, problem="unverified")
    if user is None:
        name = claims.name or normalize_email(claims.email).partition("@")[0]
        user = accounts.create_user(
            session, email=claims.email, name=name, locale=claims.locale[:2] or locale
        )
    now = utcnow()
    session.add(
        ExternalIdentity(
            user_id=user.id,
            issuer=claims.issuer,
            subject=claims.subject,
            email=claims.email,
            last_sign_in_at=now,
        )
    )
    user.last_login_at = now
    session.flush()
    audit.record(
        session,
        "sign_in.account_created" if created else "sign_in.linked",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        organisation_id=provider.organisation_id,
        issuer=claims.issuer,
    )
    return Outcome(user, created=created)


def accept_invitation(session: Session, token: str, user: User) -> str:
    """Accept the invitation the sign-in began from, for the account it signed in to:
    "" when done, else why not (used or expired, or for another address)."""
    found = invitations.look_up(
        session, token, (InvitationPurpose.ENROLMENT, *organizers.MEMBER_PURPOSES)
    )
    if found.state is not invitations.LinkState.VALID:
        return "invitation_gone"
    invitation = found.invitation
    if invitation.purpose is InvitationPurpose.ENROLMENT:
        if invitation.enrolment is None or invitation.enrolment.user_id != user.id:
            return "invitation_other"
        enrolments.accept_invitation(session, invitation, user)
        return ""
    if normalize_email(invitation.email or "") != user.email_normalized:
        return "invitation_other"
    organizers.accept_member_invitation(session, invitation, user)
    return ""


def identities_of(session: Session, user_id: int) -> list[ExternalIdentity]:
    return list(
        session.scalars(
            select(ExternalIdentity)
            .where(ExternalIdentity.user_id == user_id)
            .order_by(ExternalIdentity.created_at)
        )
    )


def complete(
    session: Session,
    provider: SignInProvider,
    kept: dict,
    answer: dict,
    *,
    redirect_uri: str,
    locale: str,
    invitation_token: str = "",
) -> Outcome:
    """The provider's answer to a sign-in this browser started: the account it signs in
    to (linked or made now, and the invitation it began from accepted), or the problem.
    Raises SignInFailed when the answer itself does not hold up; on a problem nothing
    has been written that the caller should keep (it rolls back)."""
    claims = finish(provider, kept, answer, redirect_uri)
    outcome = account_for(session, provider, claims, locale=locale)
    if outcome.user is not None and invitation_token:
        problem = accept_invitation(session, invitation_token, outcome.user)
        if problem:
            return Outcome(None, problem=problem)
    return outcome
