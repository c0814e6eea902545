"""Before and after: a place's walks compared over time (for everyone who reads the place),
and marking a finding of a later walk as the same as an earlier one (its owner's
organizers)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ...db import get_session
from ...i18n import current_locale
from ...models import Finding, FindingCategory, Place
from ...services import places as places_service
from ...services import plans as plans_service
from ..forms import AcademyForm, ButtonForm
from ..params import page_number
from ..urls import url_for_ids
from .access import (
    load_finding,
    load_place,
    load_readable_place,
    organizer_required,
    reader_required,
)
from .blueprint import bp
from .cards import walk_measure_cards
from .situation import language_name as situation_language


class SameAsForm(AcademyForm):
    earlier = IntegerField(
        _l("The earlier finding"),
        validators=[
            InputRequired(message=_l("Choose the earlier finding it is the same as.")),
            # A row id: PostgreSQL's integer, so that no number can overflow the look-up.
            NumberRange(
                min=1, max=2**31 - 1, message=_l("Choose one of the earlier findings listed.")
            ),
        ],
    )


@bp.get("/places/<int:place_id>/walks")
@reader_required
def place_walks(place_id: int):
    """The place's walks side by side, per walk or per quarter, with its measures."""
    place, owner = load_readable_place(place_id)
    by = places_service.CompareBy(
        request.args.get("by")
        if request.args.get("by") in places_service.CompareBy._value2member_map_
        else places_service.CompareBy.WALK
    )
    comparison = places_service.compare_walks(
        get_session(),
        place,
        by=by,
        tz=place.organisation.timezone,
        with_rounds=owner,
    )
    headings = [places_service.column_label(column, by) for column in comparison.columns]
    labels = places_service.page_labels()
    statuses = {status: str(label) for status, label in plans_service.MEASURE_STATUS_LABELS.items()}
    return render_template(
        "organize/places/walks.html",
        place=place,
        organisation=place.organisation,
        owner=owner,
        comparison=comparison,
        headings=headings,
        measure_cards=walk_measure_cards(
            statuses,
            url_for_ids("organize.measure", "measure_id"),
            measure_trends(comparison, headings, labels),
        ),
        situation_language=situation_language(place.organisation),
        labels=labels,
        # The chart escapes every text it draws (tests/test_walks.py checks it).
        chart=Markup(places_service.walks_chart_svg(comparison, current_locale())),  # noqa: S704
    )


def measure_trends(comparison, headings: list[str], labels) -> dict[int, str]:
    """Each measure's line beside the walks, "Lighting: Walk 1: 12 → Walk 2: 5", written
    once here rather than step by step in the template (30 measures of 8 walks are a
    thousand template fragments)."""
    return {
        measure.id: ", ".join(labels.categories[category] for category in measure.categories)
        + ": "
        + " → ".join(
            f"{heading}: {count}" for heading, count in zip(headings, measure.series, strict=True)
        )
        for measure in comparison.measures
        if measure.categories
    }


def _finding_and_place(finding_id: int) -> tuple[Finding, Place]:
    """A finding of one of the current user's organisations with its place (of one of
    them too), or 404; also for a finding without a place, which belongs to no walk."""
    finding = load_finding(finding_id)
    if finding.place_id is None:
        abort(404)
    return finding, load_place(finding.place_id)


def _category_arg(finding) -> FindingCategory | None:
    """The candidates' category: the finding's unless the query string says ``all`` (or
    names another)."""
    value = request.values.get("category")
    if value == "all":
        return None
    if value in FindingCategory._value2member_map_:
        return FindingCategory(value)
    return finding.category


@bp.route("/findings/<int:finding_id>/same-as", methods=["GET", "POST"])
@organizer_required
def finding_same_as(finding_id: int):
    """Choose the finding of an earlier walk that this one is the same as."""
    finding, place = _finding_and_place(finding_id)
    form = SameAsForm()
    session = get_session()
    if form.validate_on_submit():
        try:
            places_service.mark_same_as(
                session, place, finding, form.earlier.data, changed_by_id=current_user.id
            )
        except places_service.SameAsError:
            form.earlier.errors.append(_("Choose one of the earlier findings listed."))
        else:
            session.commit()
            flash(
                _("“%(spot)s” is marked as the same as an earlier finding.", spot=finding.spot),
                "success",
            )
            return redirect(
                url_for("organize.place", place_id=place.id, _anchor=f"finding-{finding.id}")
            )
    category = _category_arg(finding)
    page = places_service.same_as_candidates(
        session, place, finding, category=category, number=page_number(request.args)
    )
    return render_template(
        "organize/places/same_as.html",
        finding=finding,
        place=place,
        organisation=place.organisation,
        form=form,
        page=page,
        category=category,
        labels=places_service.page_labels(),
        clear_form=ButtonForm(),
    )


@bp.post("/findings/<int:finding_id>/same-as/clear")
@organizer_required
def finding_same_as_clear(finding_id: int):
    """The finding is a problem of its own again."""
    finding, place = _finding_and_place(finding_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    session = get_session()
    if places_service.clear_same_as(session, place, finding, changed_by_id=current_user.id):
        session.commit()
        flash(
            _("“%(spot)s” is no longer marked as an earlier finding.", spot=finding.spot), "success"
        )
    return redirect(url_for("organize.place", place_id=place.id, _anchor=f"finding-{finding.id}"))
