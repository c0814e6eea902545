"""Announcements to a round: write, preview with the number of recipients, send.

One page, three steps: the form (``action`` empty or ``edit``), the preview that counts
the recipients (``preview``), and the sending of what was previewed (``send``, with the
count the organizer saw: if the audience has changed since, the preview is shown again
with the new count instead of sending). Sending is limited per organizer
(ANNOUNCEMENT_LIMIT), counted in the rate limiter's storage, and said at the form.
"""

from __future__ import annotations

import math
import time

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from limits import parse
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ...db import get_session
from ...extensions import limiter
from ...labels import audience_label
from ...models import AnnouncementAudience, AudienceRole
from ...services import announcements
from ...services.announcements import BODY_MAX, SUBJECT_MAX, Audience, Draft
from ..forms import AcademyForm, bounded_text
from .access import load_cohort_course, organizer_required
from .blueprint import bp

LANGUAGE_NAMES = {"sv": "Svenska", "nb": "Norsk bokmål", "en": "English"}
_ROLE_PREFIX = "role:"


def _body(label, *, required: bool) -> TextAreaField:
    too_long = _l("Write at most %(count)d characters.", count=BODY_MAX)
    validators = [Length(max=BODY_MAX, message=too_long)]
    if required:
        validators.insert(0, DataRequired(message=_l("This needs an answer.")))
    return TextAreaField(label, validators=validators)


def audience_choices() -> list[tuple[str, str]]:
    kinds = [
        AnnouncementAudience.EVERYONE,
        AnnouncementAudience.NOT_STARTED,
        AnnouncementAudience.BEHIND,
    ]
    return [(kind.value, audience_label(kind)) for kind in kinds] + [
        (_ROLE_PREFIX + role.value, audience_label(AnnouncementAudience.ROLE, role))
        for role in AudienceRole
    ]


class AnnouncementForm(AcademyForm):
    audience = SelectField(_l("To"))
    subject = bounded_text(_l("Subject"), max_length=SUBJECT_MAX)
    body = _body(_l("Message"), required=True)
    subject_sv = bounded_text(_l("Subject in Swedish"), required=False, max_length=SUBJECT_MAX)
    body_sv = _body(_l("Message in Swedish"), required=False)
    subject_nb = bounded_text(_l("Subject in Norwegian"), required=False, max_length=SUBJECT_MAX)
    body_nb = _body(_l("Message in Norwegian"), required=False)
    subject_en = bounded_text(_l("Subject in English"), required=False, max_length=SUBJECT_MAX)
    body_en = _body(_l("Message in English"), required=False)
    # The number of recipients the organizer saw in the preview.
    confirmed = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audience.choices = audience_choices()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for language in LANGUAGE_NAMES:
            subject, body = self[f"subject_{language}"], self[f"body_{language}"]
            if bool((subject.data or "").strip()) != bool((body.data or "").strip()):
                empty = body if (subject.data or "").strip() else subject
                both = _("Write both the subject and the message, or neither.")
                empty.errors = [*empty.errors, both]
                valid = False
        return valid

    def validate_body(self, field) -> None:
        if not field.data.strip():
            raise ValidationError(_l("This needs an answer."))

    def chosen_audience(self) -> Audience:
        value = self.audience.data or ""
        if value.startswith(_ROLE_PREFIX):
            return Audience(AnnouncementAudience.ROLE, AudienceRole(value[len(_ROLE_PREFIX) :]))
        return Audience(AnnouncementAudience(value))

    def draft(self) -> Draft:
        translations = {}
        for language in LANGUAGE_NAMES:
            subject = (self[f"subject_{language}"].data or "").strip()
            body = (self[f"body_{language}"].data or "").strip()
            if subject and body:
                translations[language] = {"subject": subject, "body": body}
        return Draft(
            self.chosen_audience(), self.subject.data.strip(), self.body.data.strip(), translations
        )


def _limit():
    return parse(current_app.config["ANNOUNCEMENT_LIMIT"])


def _minutes_until_allowed(user_id: int) -> int:
    """0 when the organizer may send now; else the minutes until they may."""
    if not limiter.enabled:
        return 0
    item = _limit()
    if limiter.limiter.test(item, "announcement", str(user_id)):
        return 0
    reset_at, _remaining = limiter.limiter.get_window_stats(item, "announcement", str(user_id))
    return max(1, math.ceil((reset_at - time.time()) / 60))


def _count_sent(user_id: int) -> None:
    if limiter.enabled:
        limiter.limiter.hit(_limit(), "announcement", str(user_id))


@bp.route("/cohorts/<int:cohort_id>/announcements/new", methods=["GET", "POST"])
@organizer_required
def announce(cohort_id: int):
    cohort, course = load_cohort_course(cohort_id)
    form = AnnouncementForm()
    action = request.form.get("action", "preview")
    if action == "edit" or not form.validate_on_submit():
        # GET, a change asked for from the preview, or errors to show at their fields.
        return render_template("organize/announcement_form.html", form=form, cohort=cohort)
    session = get_session()
    draft = form.draft()
    counted = announcements.preview(session, cohort, course, draft.audience)
    problem = None
    # Nobody to send to: the preview says so and offers no button.
    if action == "send" and counted.recipients:
        wait = _minutes_until_allowed(current_user.id)
        if form.confirmed.data != str(counted.recipients):
            problem = _("Who this goes to has changed since the preview: check the number again.")
        elif wait:
            problem = ngettext(
                "You have sent as many announcements as you may in a short time. "
                "You can send this one in %(num)d minute.",
                "You have sent as many announcements as you may in a short time. "
                "You can send this one in %(num)d minutes.",
                wait,
            )
        else:
            announcement = announcements.send(session, cohort, course, draft, sent_by=current_user)
            session.commit()
            _count_sent(current_user.id)
            flash(
                ngettext(
                    "The announcement is sent to %(num)d person.",
                    "The announcement is sent to %(num)d people.",
                    announcement.recipient_count,
                ),
                "success",
            )
            return redirect(url_for("organize.cohort", cohort_id=cohort.id) + "#announcements")
    return render_template(
        "organize/announcement_preview.html",
        form=form,
        cohort=cohort,
        draft=draft,
        counted=counted,
        problem=problem,
        language_names=LANGUAGE_NAMES,
    )
