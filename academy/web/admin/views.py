from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...db import get_session
from ...models import AuditEvent, InvitationPurpose, MailStatus, Organisation, OutboxMail, User
from ...services import accounts, invitations
from ...services.outbox import RECIPIENT_MAX_LENGTH, MailFilters, mail_page
from ..access import admin_required
from ..account.second_step import after_password
from ..links import linkify
from ..params import int_arg, page_number, text_arg
from .blueprint import bp
from .forms import CreateAdminForm

MAILS_PER_PAGE = 50

LINK_PROBLEMS = {
    invitations.LinkState.EXPIRED: _l(
        "This link has expired. Ask the person who runs the server for a new one "
        "(flask --app academy admin create-link)."
    ),
    invitations.LinkState.USED: _l("This link has already been used. Log in instead."),
    invitations.LinkState.REPLACED: _l("This link has been replaced by a newer one."),
    invitations.LinkState.UNKNOWN: _l("This link is not valid. Check that it was copied whole."),
}


MAIL_STATUS_LABELS = {
    MailStatus.QUEUED: _l("Waiting"),
    MailStatus.SENT: _l("Sent"),
    MailStatus.FAILED: _l("Gave up"),
    MailStatus.BOUNCED: _l("Rejected by the receiving server"),
}


MAIL_KIND_LABELS = {
    "invitation": _l("Invitation to a course round"),
    "organizer_invitation": _l("Invitation to organize"),
    "viewer_invitation": _l("Invitation to read as a reader (steering group)"),
    "password_reset": _l("Password reset"),
    "email_change": _l("New e-mail address"),
    "deadline_reminder": _l("Deadline reminder"),
    "measure_due_soon": _l("Measure due in two weeks"),
    "measure_overdue": _l("Measure overdue"),
    "announcement": _l("Announcement to a course round"),
    "assignment_returned": _l("Assignment returned"),
    "assignment_approved": _l("Assignment approved"),
    "certificate_issued": _l("Certificate issued"),
    "live_session_changed": _l("Live session added, moved or cancelled"),
    "welcome": _l("Welcome to a course round"),
}


def mail_kind_label(kind: str) -> str:
    # Mails queued before the kind was kept have none.
    return str(MAIL_KIND_LABELS.get(kind, kind or _("Not recorded")))


@bp.context_processor
def labels():
    return {
        "mail_status_label": MAIL_STATUS_LABELS.get,
        "mail_status_labels": MAIL_STATUS_LABELS,
        "mail_kind_label": mail_kind_label,
        "mail_kind_labels": MAIL_KIND_LABELS,
        "linkify": linkify,
    }


@bp.route("/setup/<token>", methods=["GET", "POST"])
def create_admin(token: str):
    session = get_session()
    found = invitations.look_up(session, token[:512], InvitationPurpose.ADMINISTRATOR)
    if found.state is not invitations.LinkState.VALID:
        return render_template("admin/link_problem.html", message=LINK_PROBLEMS[found.state]), 404
    form = CreateAdminForm()
    if form.validate_on_submit():
        if accounts.find_user_by_email(session, form.email.data):
            form.email.errors.append(_("An account with this address exists already."))
        else:
            user = invitations.accept_admin_link(
                session,
                found.invitation,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                locale=form.locale.data,
            )
            session.commit()
            flash(_("Welcome! Your administrator account is ready."), "success")
            # An administrator sets up the second step before going on.
            return after_password(session, user, remember=False, next_url=url_for("admin.index"))
    return render_template("admin/create_admin.html", form=form)


@bp.get("/admin/")
@admin_required
def index():
    session = get_session()
    queued = session.scalar(
        select(func.count()).select_from(OutboxMail).where(OutboxMail.status == MailStatus.QUEUED)
    )
    return render_template(
        "admin/index.html", queued=queued, smtp=bool(current_app.config["MAIL_SERVER"])
    )


def mail_filters() -> MailFilters:
    """The outbox's filters from the query string (kept by the pager and the mail view)."""
    return MailFilters.checked(
        status=request.args.get("status", ""),
        recipient=text_arg(request.args, "recipient", max_length=RECIPIENT_MAX_LENGTH),
        kind=request.args.get("kind", ""),
    )


@bp.get("/admin/mail/")
@bp.get("/admin/mail/page/<int:page>")
@admin_required
def mail_list(page: int = 1):
    """The outbox, newest first, filtered by status, recipient and kind (the query
    string, kept by the pager's links)."""
    filters = mail_filters()
    found = mail_page(get_session(), filters, page, MAILS_PER_PAGE)
    if found is None:
        abort(404)
    return render_template("admin/mail_list.html", page=found, filters=filters)


@bp.get("/admin/mail/<int:mail_id>")
@admin_required
def mail_detail(mail_id: int):
    mail = get_session().get(OutboxMail, mail_id)
    if mail is None:
        abort(404)
    return render_template("admin/mail_detail.html", mail=mail, filters=mail_filters())


AUDIT_PER_PAGE = 100


@bp.get("/admin/audit")
@admin_required
def audit_log():
    """Who did what, newest first, filtered by action and organisation."""
    session = get_session()
    query = select(AuditEvent)
    action = text_arg(request.args, "action", max_length=64)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    organisation_id = int_arg(request.args, "organisation")
    if organisation_id is not None:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    page = page_number(request.args)
    events = session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PER_PAGE + 1)
        .offset((page - 1) * AUDIT_PER_PAGE)
    ).all()
    more = len(events) > AUDIT_PER_PAGE
    events = events[:AUDIT_PER_PAGE]
    actor_ids = {event.actor_id for event in events if event.actor_id}
    actors = (
        {user.id: user for user in session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    organisations = session.scalars(select(Organisation).order_by(Organisation.name)).all()
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return render_template(
        "admin/audit.html",
        events=events,
        actors=actors,
        organisations=organisations,
        actions=list(actions),
        action=action,
        organisation_id=organisation_id,
        page=page,
        more=more,
    )
