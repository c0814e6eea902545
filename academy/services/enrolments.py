"""Enrolling participants by invitation, and accepting an invitation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session

from ..models import (
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    InvitationPurpose,
    User,
    utcnow,
)
from . import accounts, audit
from .invitations import create_invitation
from .mail import absolute_url, queue_mail
from .tokens import new_token, token_hash

INVITATION_VALID_FOR = timedelta(days=14)
# Statuses that only someone who has joined the round can have.
_JOINED_STATUSES = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def has_joined(enrolment: Enrolment) -> bool:
    """Whether the person has joined the round: accepted its invitation or started it."""
    return enrolment.accepted_at is not None or enrolment.status in _JOINED_STATUSES


def shown_name(enrolment: Enrolment) -> str:
    """The name the round's organizers see: the person's own once they have joined the
    round; before that the name the organizer or the spreadsheet gave. An existing
    account's own name is not for the organizers of a round it has not joined: anyone
    could add any address to learn it."""
    if has_joined(enrolment) or not enrolment.invited_name:
        return enrolment.user.name
    return enrolment.invited_name


def shown_name_column() -> ColumnElement[str]:
    """``shown_name`` in SQL, for lists and reports (the query joins ``User``)."""
    joined = or_(Enrolment.accepted_at.is_not(None), Enrolment.status.in_(_JOINED_STATUSES))
    return case((joined | (Enrolment.invited_name == ""), User.name), else_=Enrolment.invited_name)


def invite_participant(
    session: Session,
    cohort: Cohort,
    *,
    email: str,
    name: str,
    role: AudienceRole,
    locale: str = "sv",
    employer: str = "",
    place_id: int | None = None,
    invited_by_id: int | None = None,
) -> tuple[Enrolment, str]:
    """Enrol a person (an existing account joins as it is) and mail an invitation.

    Returns the enrolment and the invitation token (only known here and in the mail).
    """
    user = accounts.find_user_by_email(session, email)
    if user is None:
        user = accounts.create_user(session, email=email, name=name, locale=locale)
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )
    if enrolment is None:
        enrolment = Enrolment(
            cohort=cohort,
            user=user,
            invited_name=name.strip(),
            role=role,
            employer=employer,
            place_id=place_id,
        )
        session.add(enrolment)
        session.flush()
    token = invite_enrolment(session, enrolment, locale=locale, invited_by_id=invited_by_id)
    return enrolment, token


def invite_enrolment(
    session: Session,
    enrolment: Enrolment,
    *,
    locale: str = "sv",
    invited_by_id: int | None = None,
) -> str:
    """Create an invitation for an existing enrolment and queue its mail in ``locale``.

    Returns the invitation token (only known here and in the mail).
    """
    cohort = enrolment.cohort
    invitation, token = create_invitation(
        session,
        InvitationPurpose.ENROLMENT,
        valid_for=INVITATION_VALID_FOR,
        email=enrolment.user.email,
        locale=locale,
        created_by_id=invited_by_id,
        enrolment_id=enrolment.id,
        organisation_id=cohort.organisation_id,
    )
    send_invitation(session, invitation, token)
    audit.record(
        session,
        "invitation.created",
        actor_id=invited_by_id,
        object_type="enrolment",
        object_id=enrolment.id,
        organisation_id=cohort.organisation_id,
    )
    return token


def send_invitation(session: Session, invitation: Invitation, token: str) -> None:
    enrolment = invitation.enrolment
    invitation.mail = queue_mail(
        session,
        invitation.email,
        "invitation",
        invitation.locale,
        enrolment=enrolment,
        cohort=enrolment.cohort,
        link=absolute_url("invite.accept", token=token),
        privacy=absolute_url("main.privacy"),
        expires_at=invitation.expires_at,
    )
    invitation.sent_at = utcnow()


def resend_invitation(session: Session, invitation: Invitation) -> str:
    """A new token and a new 14 days; the old link then says it was replaced."""
    token = new_token()
    invitation.previous_token_hash = invitation.token_hash
    invitation.token_hash = token_hash(token)
    invitation.expires_at = utcnow() + INVITATION_VALID_FOR
    send_invitation(session, invitation, token)
    return token


def accept_invitation(
    session: Session,
    invitation: Invitation,
    user: User,
    *,
    name: str | None = None,
    certificate_name: str | None = None,
    locale: str | None = None,
    password: str | None = None,
) -> Enrolment:
    """Use up the invitation; a new participant sets their names, language and password."""
    enrolment = invitation.enrolment
    if enrolment is None or enrolment.user_id != user.id:
        raise ValueError("this invitation is for someone else")
    if password is not None:
        user.name = (name or user.name).strip()
        user.certificate_name = (certificate_name or user.name).strip()
        user.locale = locale or user.locale
        accounts.set_password(user, password)
    now = utcnow()
    invitation.accepted_at = now
    enrolment.accepted_at = now
    if enrolment.status == EnrolmentStatus.INVITED:
        enrolment.status = EnrolmentStatus.ACTIVE
    user.last_login_at = now
    audit.record(
        session,
        "invitation.accepted",
        actor_id=user.id,
        object_type="enrolment",
        object_id=enrolment.id,
        organisation_id=invitation.organisation_id,
    )
    session.flush()
    return enrolment


def send_or_resend(session: Session, enrolment: Enrolment, *, invited_by_id: int | None) -> bool:
    """Invite an enrolment that has no invitation yet (imported without mails, say), or
    re-send its newest one with a new token; False when it was accepted already."""
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.enrolment_id == enrolment.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    if invitation is None:
        invite_enrolment(
            session, enrolment, locale=enrolment.user.locale, invited_by_id=invited_by_id
        )
        return True
    if invitation.accepted_at is not None:
        return False
    resend_invitation(session, invitation)
    return True
