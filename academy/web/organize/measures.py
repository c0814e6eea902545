"""Measures (åtgärder): the form, the measure page with its notes and status, the
findings it answers (a chooser with filters and pages), and the offer to mark its
findings done once it is done.

The owner's organizers do everything; an organizer of the responsible organisation (a
partner of the place) changes the status and adds notes; other readers read
(``services.plans.rules``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from ...db import get_session
from ...models import FindingCategory, FindingStatus, Measure, MeasureStatus, Plan
from ...services import plans as plans_service
from ...services.places import page_labels
from ..downloads import local_today
from ..params import page_number
from .access import (
    load_measure,
    load_owned_measure,
    load_owned_plan,
    organizer_required,
    reader_required,
)
from .blueprint import bp
from .plan_forms import (
    FindingsChoiceForm,
    FindingsDoneForm,
    MeasureForm,
    MeasureStatusForm,
    NoteForm,
    saved,
)


def measure_form(plan: Plan, obj: Measure | None = None) -> MeasureForm:
    """The form with the plan's choices: its places, the owner and the partners, and
    their organizers as contacts."""
    choices = plans_service.measure_choices(get_session(), plan)
    form = MeasureForm(obj=obj)
    form.place.choices = [SelectChoice(str(place.id), place.name) for place in choices.places]
    form.responsible.choices = [
        SelectChoice(str(each.id), each.name) for each in choices.organisations
    ]
    form.contact_person.choices = [SelectChoice("", _("No one"))] + [
        SelectChoice(str(user.id), f"{user.name} ({organisation.name})")
        for user, organisation in choices.contacts
    ]
    if request.method == "GET" and obj is not None:
        form.place.data = str(obj.place_id)
        form.responsible.data = str(obj.responsible_id)
        form.contact_person.data = str(obj.contact_id or "")
    return form


def measure_values(form: MeasureForm) -> plans_service.MeasureValues:
    return plans_service.MeasureValues(
        title=form.title.data,
        description=form.description.data or "",
        place_id=int(form.place.data),
        responsible_id=int(form.responsible.data),
        contact_id=int(form.contact_person.data) if form.contact_person.data else None,
        contact=form.contact.data or "",
        due_on=form.due_on.data,
        expected_effect=form.expected_effect.data or "",
        indicator=form.indicator.data or "",
    )


def render_measure_form(form: MeasureForm, plan: Plan, measure: Measure | None):
    return render_template(
        "organize/plans/measure_form.html", form=form, plan=plan, measure=measure
    )


@bp.route("/plans/<int:plan_id>/measures/new", methods=["GET", "POST"])
@organizer_required
def new_measure(plan_id: int):
    plan = load_owned_plan(plan_id)
    form = measure_form(plan)
    if form.validate_on_submit():
        session = get_session()
        measure = saved(
            form,
            lambda: plans_service.create_measure(
                session, plan, measure_values(form), created_by_id=current_user.id
            ),
        )
        if measure is not None:
            session.commit()
            flash(_("The measure is added. Now choose the findings it answers, if any."), "success")
            return redirect(url_for("organize.measure_findings", measure_id=measure.id))
    return render_measure_form(form, plan, None)


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_measure(measure_id: int):
    measure = load_owned_measure(measure_id)
    form = measure_form(measure.plan, measure)
    if form.validate_on_submit():
        session = get_session()
        updated = saved(
            form,
            lambda: plans_service.update_measure(
                session, measure, measure_values(form), changed_by_id=current_user.id
            ),
        )
        if updated is not None:
            session.commit()
            flash(_("The measure is saved."), "success")
            return redirect(url_for("organize.measure", measure_id=measure.id))
    return render_measure_form(form, measure.plan, measure)


def render_measure(
    measure: Measure,
    right: plans_service.MeasureRight,
    status_form: MeasureStatusForm | None = None,
    note_form: NoteForm | None = None,
):
    today = local_today(measure.plan.organisation.timezone)
    progress = right.reports_progress
    if progress and status_form is None:
        status_form = MeasureStatusForm(
            formdata=None, status=measure.status.value, reason=measure.dropped_reason
        )
    return render_template(
        "organize/plans/measure.html",
        page=plans_service.measure_page(get_session(), measure, today),
        measure=measure,
        plan=measure.plan,
        owner=right is plans_service.MeasureRight.OWNER,
        status_form=status_form,
        note_form=note_form or (NoteForm(formdata=None) if progress else None),
        statuses=plans_service.MEASURE_STATUS_LABELS,
        labels=page_labels(),
    )


@bp.get("/measures/<int:measure_id>")
@reader_required
def measure(measure_id: int):
    measure, right = load_measure(measure_id)
    return render_measure(measure, right)


def load_reporting_measure(measure_id: int) -> tuple[Measure, plans_service.MeasureRight]:
    """A measure whose progress the current user may report, or 404."""
    measure, right = load_measure(measure_id)
    if not right.reports_progress:
        abort(404)
    return measure, right


@bp.post("/measures/<int:measure_id>/status")
@reader_required
def measure_status(measure_id: int):
    measure, right = load_reporting_measure(measure_id)
    form = MeasureStatusForm()
    if not form.validate_on_submit():
        return render_measure(measure, right, status_form=form)
    session = get_session()
    status = MeasureStatus(form.status.data)
    changed = plans_service.set_measure_status(
        session, measure, status, reason=form.reason.data or "", changed_by_id=current_user.id
    )
    session.commit()
    if changed:
        flash(
            _("The measure is now %(status)s.", status=plans_service.MEASURE_STATUS_LABELS[status]),
            "success",
        )
    offer = (
        changed
        and status is MeasureStatus.DONE
        and right is plans_service.MeasureRight.OWNER
        and plans_service.open_findings(session, measure)
    )
    if offer:
        return redirect(url_for("organize.measure_findings_done", measure_id=measure.id))
    return redirect(url_for("organize.measure", measure_id=measure.id))


@bp.post("/measures/<int:measure_id>/notes")
@reader_required
def measure_note(measure_id: int):
    measure, right = load_reporting_measure(measure_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_measure(measure, right, note_form=form)
    session = get_session()
    plans_service.add_note(session, measure, form.body.data, author_id=current_user.id)
    session.commit()
    flash(_("The note is added."), "success")
    return redirect(url_for("organize.measure", measure_id=measure.id, _anchor="notes"))


def chooser_filters(source) -> plans_service.ChooserFilters:
    category = source.get("category")
    status = source.get("status")
    return plans_service.ChooserFilters(
        category=FindingCategory(category)
        if category in FindingCategory._value2member_map_
        else None,
        status=FindingStatus(status) if status in FindingStatus._value2member_map_ else None,
    )


@bp.route("/measures/<int:measure_id>/findings", methods=["GET", "POST"])
@organizer_required
def measure_findings(measure_id: int):
    """Choose the findings of the measure's place that it answers, a page at a time
    (the filters and page are in the query string; the form says which it showed)."""
    measure = load_owned_measure(measure_id)
    filters = chooser_filters(request.args)
    number = page_number(request.args)
    form = FindingsChoiceForm()
    session = get_session()
    if form.validate_on_submit():
        linked, unlinked = plans_service.link_findings(
            session,
            measure,
            shown=form.shown.data,
            chosen=form.chosen.data,
            changed_by_id=current_user.id,
        )
        session.commit()
        flash(
            _(
                "Findings linked: %(linked)d, unlinked: %(unlinked)d.",
                linked=linked,
                unlinked=unlinked,
            ),
            "success",
        )
        return redirect(url_for("organize.measure", measure_id=measure.id, _anchor="findings"))
    page, linked = plans_service.findings_to_choose(session, measure, filters, number)
    return render_template(
        "organize/plans/findings_choice.html",
        measure=measure,
        plan=measure.plan,
        form=form,
        page=page,
        linked=linked,
        filters=filters,
        filter_args=filters.args(),
        labels=page_labels(),
    )


@bp.route("/measures/<int:measure_id>/findings/done", methods=["GET", "POST"])
@organizer_required
def measure_findings_done(measure_id: int):
    """The offer once a measure is done: mark its open findings done (all ticked)."""
    measure = load_owned_measure(measure_id)
    if measure.status != MeasureStatus.DONE:
        return redirect(url_for("organize.measure", measure_id=measure.id))
    session = get_session()
    form = FindingsDoneForm()
    if form.validate_on_submit():
        changed = plans_service.mark_findings_done(
            session, measure, form.findings.data, changed_by_id=current_user.id
        )
        session.commit()
        flash(
            ngettext(
                "%(num)d finding is marked done.", "%(num)d findings are marked done.", changed
            ),
            "success",
        )
        return redirect(url_for("organize.measure", measure_id=measure.id))
    return render_template(
        "organize/plans/findings_done.html",
        measure=measure,
        plan=measure.plan,
        form=form,
        findings=plans_service.open_findings(session, measure),
        labels=page_labels(),
    )
