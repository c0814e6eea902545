"""Organisations and their organizers, invited by the same single-use links as participants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    Invitation,
    InvitationPurpose,
    Organisation,
    OrganisationKind,
    Organizer,
    User,
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
) -> Organisation:
    organisation = Organisation(name=name.strip(), kind=kind, timezone=timezone or None)
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


def invite_organizer(
    session: Session,
    organisation: Organisation,
    *,
    email: str,
    locale: str,
    invited_by_id: int | None,
) -> str:
    """Queue an invitation to organize ``organisation``; returns the token."""
    invitation, token = create_invitation(
        session,
        InvitationPurpose.ORGANIZER,
        valid_for=INVITATION_VALID_FOR,
        email=email.strip(),
        locale=locale,
        created_by_id=invited_by_id,
        organisation_id=organisation.id,
    )
    invitation.mail = queue_mail(
        session,
        invitation.email,
        "organizer_invitation",
        locale,
        organisation=organisation,
        link=absolute_url("organize.join", token=token),
        privacy=absolute_url("main.privacy"),
    )
    invitation.sent_at = utcnow()
    audit.record(
        session,
        "organizer.invited",
        actor_id=invited_by_id,
        object_type="invitation",
        object_id=invitation.id,
        organisation_id=organisation.id,
        email=invitation.email,
    )
    return token


def accept_organizer_invitation(session: Session, invitation: Invitation, user: User) -> Organizer:
    """Make ``user`` an organizer of the invitation's organisation and use up the link."""
    organizer = session.scalar(
        select(Organizer).where(
            Organizer.organisation_id == invitation.organisation_id, Organizer.user_id == user.id
        )
    )
    if organizer is None:
        organizer = Organizer(organisation_id=invitation.organisation_id, user_id=user.id)
        session.add(organizer)
    invitation.accepted_at = utcnow()
    session.flush()
    audit.record(
        session,
        "organizer.joined",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        organisation_id=invitation.organisation_id,
    )
    return organizer


def remove_organizer(session: Session, organizer: Organizer, *, removed_by_id: int) -> None:
    audit.record(
        session,
        "organizer.removed",
        actor_id=removed_by_id,
        object_type="user",
        object_id=organizer.user_id,
        organisation_id=organizer.organisation_id,
    )
    session.delete(organizer)
    session.flush()
