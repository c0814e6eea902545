"""Measures proposed in the course (``services.plans.proposals``): the owner's organizers
accept one (the new-measure form, filled from it), merge it into a measure of the plan
(with a progress note quoting it) or drop it. Partners and viewers never reach these
pages: a proposal carries a participant's words."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ...db import get_session
from ...models import MeasureProposal, Plan, ProposalStatus
from ...services import plans as plans_service
from .access import load_plan_proposal, organizer_required
from .blueprint import bp
from .measures import measure_form, measure_values
from .plan_forms import ProposalDropForm, ProposalMergeForm, saved

PROPOSAL = "/plans/<int:plan_id>/proposals/<int:proposal_id>"


def back_to_plan(plan: Plan):
    return redirect(url_for("organize.plan", plan_id=plan.id, _anchor="proposals"))


def decided_already(plan: Plan):
    flash(_("This proposal has been dealt with already."), "info")
    return back_to_plan(plan)


def shortened(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def fill_from(form, proposal: MeasureProposal) -> None:
    """The new-measure form as the proposal fills it: what (as the title, whole in the
    description when too long), who and by when in the description, the indicator. The
    due date, the responsible organisation and the contact are the organizer's."""
    form.title.data = shortened(proposal.what, plans_service.TITLE_MAX)
    lines = []
    if form.title.data != " ".join(proposal.what.split()):
        lines.append(proposal.what)
    if proposal.who:
        lines.append(_("Proposed owner: %(who)s", who=proposal.who))
    if proposal.by_when:
        lines.append(_("Proposed timing: %(when)s", when=proposal.by_when))
    form.description.data = "\n".join(lines)
    form.indicator.data = proposal.indicator


@bp.route(PROPOSAL + "/accept", methods=["GET", "POST"])
@organizer_required
def accept_proposal(plan_id: int, proposal_id: int):
    plan, proposal = load_plan_proposal(plan_id, proposal_id)
    if proposal.status is not ProposalStatus.OPEN:
        return decided_already(plan)
    form = measure_form(plan)
    # A proposal becomes a measure at its own place.
    form.place.choices = [
        choice for choice in form.place.choices if choice.value == str(proposal.place_id)
    ]
    if request.method == "GET":
        fill_from(form, proposal)
        form.place.data = str(proposal.place_id)
    if form.validate_on_submit():
        session = get_session()
        try:
            measure = saved(
                form,
                lambda: plans_service.proposals.accept(
                    session, proposal, plan, measure_values(form), decided_by_id=current_user.id
                ),
            )
        except plans_service.proposals.ProposalDecided:
            return decided_already(plan)
        if measure is not None:
            session.commit()
            flash(
                _("The proposal is now a measure. Choose the findings it answers, if any."),
                "success",
            )
            return redirect(url_for("organize.measure_findings", measure_id=measure.id))
    return render_template(
        "organize/plans/proposal_accept.html", form=form, plan=plan, proposal=proposal
    )


def quote_of(proposal: MeasureProposal) -> str:
    """The progress note a merge adds, quoting the proposal (no name: it is a round's)."""
    lines = [_("Proposed in the course: “%(what)s”", what=" ".join(proposal.what.split()))]
    if proposal.who:
        lines.append(_("Proposed owner: %(who)s", who=proposal.who))
    if proposal.by_when:
        lines.append(_("Proposed timing: %(when)s", when=proposal.by_when))
    if proposal.indicator:
        lines.append(_("Indicator: %(indicator)s", indicator=proposal.indicator))
    return "\n".join(lines)


@bp.route(PROPOSAL + "/merge", methods=["GET", "POST"])
@organizer_required
def merge_proposal(plan_id: int, proposal_id: int):
    plan, proposal = load_plan_proposal(plan_id, proposal_id)
    if proposal.status is not ProposalStatus.OPEN:
        return decided_already(plan)
    session = get_session()
    measures = plans_service.merge_choices(session, plan, proposal)
    form = ProposalMergeForm()
    form.measure.choices = [SelectChoice(str(measure.id), measure.title) for measure in measures]
    if request.method == "GET":
        form.note.data = quote_of(proposal)
    if form.validate_on_submit():
        try:
            measure = saved(
                form,
                lambda: plans_service.proposals.merge(
                    session,
                    proposal,
                    plan,
                    int(form.measure.data),
                    form.note.data,
                    decided_by_id=current_user.id,
                ),
            )
        except plans_service.proposals.ProposalDecided:
            return decided_already(plan)
        if measure is not None:
            session.commit()
            flash(_("The proposal is merged into “%(title)s”.", title=measure.title), "success")
            return redirect(url_for("organize.measure", measure_id=measure.id, _anchor="notes"))
    return render_template(
        "organize/plans/proposal_merge.html",
        form=form,
        plan=plan,
        proposal=proposal,
        measures=measures,
    )


@bp.route(PROPOSAL + "/drop", methods=["GET", "POST"])
@organizer_required
def drop_proposal(plan_id: int, proposal_id: int):
    plan, proposal = load_plan_proposal(plan_id, proposal_id)
    if proposal.status is not ProposalStatus.OPEN:
        return decided_already(plan)
    form = ProposalDropForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            plans_service.proposals.drop(
                session, proposal, plan, form.reason.data or "", decided_by_id=current_user.id
            )
        except plans_service.proposals.ProposalDecided:
            return decided_already(plan)
        session.commit()
        flash(_("The proposal is dropped."), "info")
        return back_to_plan(plan)
    return render_template(
        "organize/plans/proposal_drop.html", form=form, plan=plan, proposal=proposal
    )
