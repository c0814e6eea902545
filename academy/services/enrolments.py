"""Enrolling participants by invitation, and accepting an invitation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session, selectinload

from ..db import insert_rows
from ..models import (
    AudienceRole,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Invitation,
    InvitationPurpose,
    MailStatus,
    OutboxMail,
    User,
    utcnow,
)
from . import accounts, audit, notifications
from .invitations import create_invitation
from .mail import MailBatch, absolute_url, queue_mail, render_mail
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


def joined_column() -> ColumnElement[bool]:
    """``has_joined`` in SQL."""
    return or_(Enrolment.accepted_at.is_not(None), Enrolment.status.in_(_JOINED_STATUSES))


def shown_name_order(dialect: str) -> ColumnElement[str]:
    """The order of lists by ``shown_name``: without regard to case, the same on every
    backend. Code point order puts Å Ä Ö Æ Ø after Z as the Nordic alphabets do, where
    PostgreSQL would otherwise follow the database's locale (which may sort Å with A).
    It is ``enrolment.sort_name``, the database's own ``lower()`` of the shown name kept
    by triggers (``models/sort_names.py``; ``COLLATE "C"`` on PostgreSQL), so that a page
    of a round is read from the index on (round, sort name, id) instead of sorting the
    round: on SQLite it folds ASCII letters only, so a lower-case Å or Ø (rare at the
    start of a name) may sort apart from its capital there. ``dialect`` is kept for the
    callers; the column's collation says it all."""
    return Enrolment.sort_name


def shown_name_column() -> ColumnElement[str]:
    """``shown_name`` in SQL, for lists and reports (the query joins ``User``)."""
    return case(
        (joined_column() | (Enrolment.invited_name == ""), User.name),
        else_=Enrolment.invited_name,
    )


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
        **_invitation_context(enrolment, _link(token), invitation.expires_at),
    )
    invitation.sent_at = utcnow()


def _link(token: str) -> str:
    return absolute_url("invite.accept", token=token)


def _invitation_context(enrolment: Enrolment, link: str, expires_at: datetime) -> dict:
    return {
        "enrolment": enrolment,
        "cohort": enrolment.cohort,
        "link": link,
        "privacy": absolute_url("main.privacy"),
        "expires_at": expires_at,
    }


@dataclass(frozen=True)
class Invitee:
    """An enrolment to invite in bulk, and what its mail says of the person."""

    enrolment_id: int
    email: str  # the account's address
    name: str  # the account's name
    invited_name: str  # the name the organizer gave
    locale: str


def invite_enrolments(
    session: Session,
    cohort: Cohort,
    invitees: Sequence[Invitee],
    *,
    invited_by_id: int | None = None,
) -> None:
    """``invite_enrolment`` for many enrolments of ``cohort`` at once: a token, an
    invitation and its mail (byte for byte the one ``invite_enrolment`` would write) for
    each, the mails and then the invitations inserted in bulk, each invitation linked to
    its mail. Records no event per invitation: the caller records one for them all (each
    invitation keeps who created it, when and for whom). Runs a few statements per
    language and two inserts per 1,000 invitees.
    """
    if not invitees:
        return
    now = utcnow()
    expires_at = now + INVITATION_VALID_FOR
    tokens = [new_token() for _ in invitees]
    mails = _InvitationMails(session, cohort, expires_at).write(invitees, tokens)
    mail_ids = insert_rows(
        session,
        OutboxMail,
        [
            {
                "to_address": invitee.email,
                "kind": "invitation",
                "subject": subject,
                "body_text": body,
                "status": MailStatus.QUEUED,
                "next_attempt_at": now,
                "created_at": now,
            }
            for invitee, (subject, body) in zip(invitees, mails, strict=True)
        ],
        key="to_address",  # each invitee is another account, with another address
    )
    insert_rows(
        session,
        Invitation,
        [
            {
                "token_hash": token_hash(token),
                "purpose": InvitationPurpose.ENROLMENT,
                "email": invitee.email,
                "locale": invitee.locale,
                "enrolment_id": invitee.enrolment_id,
                "organisation_id": cohort.organisation_id,
                "created_by_id": invited_by_id,
                "created_at": now,
                "expires_at": expires_at,
                "sent_at": now,
                "mail_id": mail_id,
            }
            for invitee, token, mail_id in zip(invitees, tokens, mail_ids, strict=True)
        ],
        key="mail_id",
    )


class _InvitationMails:
    """The invitation mails of many enrolments of one cohort, rendered once per language
    (``MailBatch``). The first and the last of each language are also rendered one by
    one, from their enrolments as stored; if either differs (a template that does more
    with a name than show it), the whole language is rendered one by one."""

    # Stands for the token in a link built once: tokens are URL-safe, so every link is
    # this one with the token in its place.
    MARK = "0mark0"
    CHUNK = 10_000  # enrolments loaded with one IN query

    def __init__(self, session: Session, cohort: Cohort, expires_at: datetime):
        self.session = session
        self.cohort = cohort
        self.expires_at = expires_at
        self.link_head, _token, self.link_tail = _link(self.MARK).rpartition(self.MARK)

    def write(self, invitees: Sequence[Invitee], tokens: list[str]) -> list[tuple[str, str]]:
        mails: list[tuple[str, str]] = [("", "")] * len(invitees)
        by_language: dict[str, list[int]] = {}
        for index, invitee in enumerate(invitees):
            by_language.setdefault(invitee.locale, []).append(index)
        for locale, indexes in by_language.items():
            batch = self.batch(locale)

            def values(index: int) -> dict[str, str]:
                invitee = invitees[index]
                link = self.link_head + tokens[index] + self.link_tail
                return {
                    "email": invitee.email,
                    "name": invitee.name,
                    "invited_name": invitee.invited_name,
                    "link": link,
                }

            samples = sorted({indexes[0], indexes[-1]})
            stored = self.enrolments([invitees[index].enrolment_id for index in samples])
            if all(
                batch.mail(values(index))
                == self.one_by_one(stored[invitees[index].enrolment_id], locale, tokens[index])
                for index in samples
            ):
                for index in indexes:
                    mails[index] = batch.mail(values(index))
                continue
            stored = self.enrolments([invitees[index].enrolment_id for index in indexes])
            for index in indexes:
                enrolment = stored[invitees[index].enrolment_id]
                mails[index] = self.one_by_one(enrolment, locale, tokens[index])
        return mails

    def batch(self, locale: str) -> MailBatch:
        batch = MailBatch("invitation", locale)
        person = User(
            email=batch.placeholder("email"), name=batch.placeholder("name"), locale=locale
        )
        # Not added to the session: it only stands in for each enrolment in the template.
        stand_in = Enrolment(
            cohort=self.cohort, user=person, invited_name=batch.placeholder("invited_name")
        )
        batch.render(**_invitation_context(stand_in, batch.placeholder("link"), self.expires_at))
        return batch

    def one_by_one(self, enrolment: Enrolment, locale: str, token: str) -> tuple[str, str]:
        context = _invitation_context(enrolment, _link(token), self.expires_at)
        with force_locale(locale):
            return render_mail("invitation", context)

    def enrolments(self, ids: list[int]) -> dict[int, Enrolment]:
        found: dict[int, Enrolment] = {}
        for start in range(0, len(ids), self.CHUNK):
            found.update(
                (enrolment.id, enrolment)
                for enrolment in self.session.scalars(
                    select(Enrolment)
                    .where(Enrolment.id.in_(ids[start : start + self.CHUNK]))
                    .options(selectinload(Enrolment.user))
                )
            )
        return found


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
    notifications.welcome(session, enrolment)
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
