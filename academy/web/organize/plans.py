"""Plans (action plans, medborgarlöften, SLT plans): the lists (an organisation's, a
place's), the form, the plan page with its measures, progress and review dates.

The owner's organizers change a plan; partners and viewers read it at the places they
read (``services.plans.rules``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...db import get_session
from ...models import Organisation, Place, Plan, PlanKind, PlanReview
from ...services import plans as plans_service
from ..downloads import local_today
from ..forms import require_button_form
from ..params import int_arg
from ..urls import url_for_ids
from .access import (
    load_owned_plan,
    load_plan,
    load_plans_organisation,
    load_readable_place,
    organizer_required,
    reader_required,
)
from .blueprint import bp
from .cards import plan_measure_cards
from .plan_forms import PlanForm, ReviewForm, saved
from .situation import language_name as situation_language


@bp.get("/organisations/<int:organisation_id>/plans")
@reader_required
def organisation_plans(organisation_id: int):
    organisation, owner = load_plans_organisation(organisation_id)
    return render_template(
        "organize/plans/index.html",
        organisation=organisation,
        place=None,
        owner=owner,
        plans=plans_service.plans_of_organisation(get_session(), organisation.id),
        kinds=plans_service.KIND_LABELS,
    )


@bp.get("/places/<int:place_id>/plans")
@reader_required
def place_plans(place_id: int):
    place, owner = load_readable_place(place_id)
    session = get_session()
    return render_template(
        "organize/plans/index.html",
        organisation=place.organisation,
        place=place,
        owner=owner,
        plans=plans_service.plans_of_place(session, place.id),
        kinds=plans_service.KIND_LABELS,
        # Proposals are the owner's alone (participants' words).
        proposals=plans_service.open_proposal_count(session, place.id) if owner else 0,
    )


def place_choices(form: PlanForm, organisation: Organisation) -> None:
    form.places.offered = [
        (place.id, place.name)
        for place in get_session().scalars(
            select(Place).where(Place.organisation_id == organisation.id).order_by(Place.name)
        )
    ]


def plan_values(form: PlanForm) -> plans_service.PlanValues:
    return plans_service.PlanValues(
        title=form.title.data,
        kind=PlanKind(form.kind.data),
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        place_ids=tuple(form.places.data),
        description=form.description.data or "",
    )


def render_plan_form(form: PlanForm, organisation: Organisation, plan: Plan | None):
    return render_template(
        "organize/plans/form.html", form=form, organisation=organisation, plan=plan
    )


@bp.route("/organisations/<int:organisation_id>/plans/new", methods=["GET", "POST"])
@organizer_required
def new_plan(organisation_id: int):
    organisation, _owner = load_plans_organisation(organisation_id)
    form = PlanForm()
    place_choices(form, organisation)
    if request.method == "GET":
        chosen = int_arg(request.args, "place")
        form.places.data = [value for value, _label in form.places.offered if value == chosen]
    if form.validate_on_submit():
        session = get_session()
        plan = saved(
            form,
            lambda: plans_service.create_plan(
                session, organisation, plan_values(form), created_by_id=current_user.id
            ),
        )
        if plan is not None:
            session.commit()
            flash(_("The plan %(title)s is created.", title=plan.title), "success")
            return redirect(url_for("organize.plan", plan_id=plan.id))
    return render_plan_form(form, organisation, None)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_plan(plan_id: int):
    plan = load_owned_plan(plan_id)
    form = PlanForm(obj=plan)
    place_choices(form, plan.organisation)
    if request.method == "GET":
        form.places.data = [place.id for place in plan.places]
        form.kind.data = plan.kind.value
    if form.validate_on_submit():
        session = get_session()
        updated = saved(
            form,
            lambda: plans_service.update_plan(
                session, plan, plan_values(form), changed_by_id=current_user.id
            ),
        )
        if updated is not None:
            session.commit()
            flash(_("The plan is saved."), "success")
            return redirect(url_for("organize.plan", plan_id=plan.id))
    return render_plan_form(form, plan.organisation, plan)


def render_plan(plan: Plan, view: plans_service.PlanView, review_form: ReviewForm | None = None):
    session = get_session()
    today = local_today(plan.organisation.timezone)
    page = plans_service.plan_page(session, plan, view.place_ids, today, with_proposals=view.owner)
    # Translated once for the page: a lazy label looks its catalog up on every use.
    statuses = {status: str(label) for status, label in plans_service.MEASURE_STATUS_LABELS.items()}
    return render_template(
        "organize/plans/plan.html",
        page=page,
        plan=plan,
        organisation=plan.organisation,
        owner=view.owner,
        kinds=plans_service.KIND_LABELS,
        statuses=statuses,
        measure_cards=plan_measure_cards(
            page.measures,
            statuses,
            url_for_ids("organize.measure", "measure_id"),
            with_place=len(page.places) > 1,
        ),
        review_form=review_form or (ReviewForm() if view.owner else None),
        today=today,
        situation_language=situation_language(plan.organisation),
    )


@bp.get("/plans/<int:plan_id>")
@reader_required
def plan(plan_id: int):
    """The plan: each measure's state, what is overdue, progress per responsible
    organisation, the review dates. A partner sees the measures at its places only."""
    plan, view = load_plan(plan_id)
    return render_plan(plan, view)


@bp.post("/plans/<int:plan_id>/reviews")
@organizer_required
def add_review(plan_id: int):
    plan = load_owned_plan(plan_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return render_plan(
            plan, plans_service.PlanView(True, frozenset(p.id for p in plan.places)), form
        )
    session = get_session()
    plans_service.add_review(
        session, plan, form.review_on.data, form.review_note.data or "", added_by_id=current_user.id
    )
    session.commit()
    flash(_("The review date is added."), "success")
    return redirect(url_for("organize.plan", plan_id=plan.id, _anchor="reviews"))


@bp.post("/plan-reviews/<int:review_id>/remove")
@organizer_required
def remove_review(review_id: int):
    session = get_session()
    review = session.get(PlanReview, review_id)
    plan = load_owned_plan(review.plan_id if review else 0)
    require_button_form()
    plans_service.remove_review(session, review, removed_by_id=current_user.id)
    session.commit()
    flash(_("The review date is removed."), "info")
    return redirect(url_for("organize.plan", plan_id=plan.id, _anchor="reviews"))
