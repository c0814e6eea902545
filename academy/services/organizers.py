"""Organisations and their members, organizers and viewers, invited by the same
single-use links as participants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    Invitation,
    InvitationPurpose,
    Organisation,
    OrganisationKind,
    Organizer,
    User,
    Viewer,
    utcnow,
)
from . import audit
from .enrolments import INVITATION_VALID_FOR
from .invitations import create_invitation
from .mail import absolute_url, queue_mail


def create_organisation(
    session: Session,
    *,
    name: str,
    kind: OrganisationKind,
    timezone: str | None,
    created_by_id: int | None,
    language: str | None = None,
) -> Organisation:
    organisation = Organisation(
        name=name.strip(), kind=kind, timezone=timezone or None, language=language or None
    )
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        "organisation.created",
        actor_id=created_by_id,
        object_type="organisation",
        object_id=organisation.id,
        organisation_id=organisation.id,
        name=organisation.name,
    )
    return organisation


def organisation_name_taken(session: Session, name: str, *, except_id: int | None = None) -> bool:
    query = select(Organisation.id).where(Organisation.name == name.strip())
    if except_id is not None:
        query = query.where(Organisation.id != except_id)
    return session.scalar(query) is not None


# What an invitation makes of the person who accepts it: the mail it is sent with, the
# table they join and the words of the audit log.
_ROLES = {
    InvitationPurpose.ORGANIZER: ("organizer_invitation", Organizer, "organizer"),
    InvitationPurpose.VIEWER: ("viewer_invitation", Viewer, "viewer"),
}
#: The invitations that make someone a member of an organisation (``organize.join``).
MEMBER_PURPOSES = tuple(_ROLES)


def invite_organizer(
    session: Session,
    organisation: Organisation,
    *,
    email: str,
    locale: str,
    invited_by_id: int | None,
) -> str:
    """Queue an invitation to organize ``organisation``; returns the token."""
    return invite_member(
        session,
        organisation,
        InvitationPurpose.ORGANIZER,
        email=email,
        locale=locale,
        invited_by_id=invited_by_id,
    )


def invite_viewer(
    session: Session,
    organisation: Organisation,
    *,
    email: str,
    locale: str,
    invited_by_id: int | None,
) -> str:
    """Queue an invitation to read ``organisation``'s places as a viewer (a steering
    group, a crime-prevention council); returns the token."""
    return invite_member(
        session,
        organisation,
        InvitationPurpose.VIEWER,
        email=email,
        locale=locale,
        invited_by_id=invited_by_id,
    )


def invite_member(
    session: Session,
    organisation: Organisation,
    purpose: InvitationPurpose,
    *,
    email: str,
    locale: str,
    invited_by_id: int | None,
) -> str:
    template, _model, role = _ROLES[purpose]
    invitation, token = create_invitation(
        session,
        purpose,
        valid_for=INVITATION_VALID_FOR,
        email=email.strip(),
        locale=locale,
        created_by_id=invited_by_id,
        organisation_id=organisation.id,
    )
    invitation.mail = queue_mail(
        session,
        invitation.email,
        template,
        locale,
        organisation=organisation,
        link=absolute_url("organize.join", token=token),
        privacy=absolute_url("main.privacy"),
    )
    invitation.sent_at = utcnow()
    audit.record(
        session,
        f"{role}.invited",
        actor_id=invited_by_id,
        object_type="invitation",
        object_id=invitation.id,
        organisation_id=organisation.id,
        email=invitation.email,
    )
    return token


def accept_organizer_invitation(session: Session, invitation: Invitation, user: User) -> Organizer:
    """Make ``user`` an organizer of the invitation's organisation and use up the link."""
    return accept_member_invitation(session, invitation, user)


def accept_member_invitation(
    session: Session, invitation: Invitation, user: User
) -> Organizer | Viewer:
    """Make ``user`` what the invitation asks (organizer or viewer of its organisation)
    and use up the link."""
    _template, model, role = _ROLES[invitation.purpose]
    member = session.scalar(
        select(model).where(
            model.organisation_id == invitation.organisation_id, model.user_id == user.id
        )
    )
    if member is None:
        member = model(organisation_id=invitation.organisation_id, user_id=user.id)
        session.add(member)
    invitation.accepted_at = utcnow()
    session.flush()
    audit.record(
        session,
        f"{role}.joined",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        organisation_id=invitation.organisation_id,
    )
    return member


def remove_organizer(session: Session, organizer: Organizer, *, removed_by_id: int) -> None:
    remove_member(session, organizer, removed_by_id=removed_by_id)


def remove_member(session: Session, member: Organizer | Viewer, *, removed_by_id: int) -> None:
    role = "viewer" if isinstance(member, Viewer) else "organizer"
    audit.record(
        session,
        f"{role}.removed",
        actor_id=removed_by_id,
        object_type="user",
        object_id=member.user_id,
        organisation_id=member.organisation_id,
    )
    session.delete(member)
    session.flush()


def members(session: Session, model: type[Organizer] | type[Viewer], organisation_id: int):
    """The organisation's organizers or viewers, with their accounts."""
    return session.scalars(
        select(model)
        .options(joinedload(model.user))
        .where(model.organisation_id == organisation_id)
        .order_by(model.id)
    ).all()


def pending_invitations(
    session: Session, organisation_id: int, purposes: tuple[InvitationPurpose, ...]
) -> list[Invitation]:
    """Invitations to the organisation for ``purposes``, not yet accepted, still valid."""
    return list(
        session.scalars(
            select(Invitation).where(
                Invitation.organisation_id == organisation_id,
                Invitation.purpose.in_(purposes),
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        )
    )
