"""Before and after (services.places.walks, same_as, trend_chart and their pages): a place
walked by three rounds, findings of later walks marked as the same as earlier ones, the
columns per walk and per quarter, new / still there / gone, the measures beside them, the
chart, who sees what, and statements that do not grow with the findings. On both backends."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from academy.models import (
    AuditEvent,
    Finding,
    FindingCategory,
    FindingSeverity,
    PlacePartner,
    PlanKind,
    Viewer,
)
from academy.services import places, plans
from academy.services.places import CompareBy, SameAsError
from academy.services.plans import MeasureValues, PlanValues
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)

TZ = "Europe/Stockholm"
LIGHTING, SIGHT, MAINTENANCE = (
    FindingCategory.LIGHTING,
    FindingCategory.SIGHT_LINES,
    FindingCategory.MAINTENANCE,
)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


class Walked:
    """Vänersborg's square walked in spring 2027 (two rounds in the same quarter) and in
    autumn 2027; the police as partner; a viewer; an organizer of another town."""

    def __init__(self, db):
        self.owner = make_organisation(db, name="Vänersborgs kommun")
        self.police = make_organisation(db, name="Polisen Fyrbodal")
        self.square = make_place(db, self.owner, name="Torget")
        self.elsewhere = make_place(db, self.owner, name="Stationen")
        db.add(PlacePartner(place=self.square, organisation=self.police))
        self.organizer = make_organizer(db, self.owner, make_user(db, name="Olle Org")).user
        self.officer = make_organizer(db, self.police, make_user(db, name="Pia Polis")).user
        self.viewer = make_user(db, name="Vera Läsare")
        db.add(Viewer(organisation=self.owner, user=self.viewer))
        stranger = make_organisation(db, name="Kongsvinger kommune")
        self.other = make_organizer(db, stranger, make_user(db, name="Per Annan")).user
        self.spring = make_cohort(db, self.owner, name="Vårens runda", place=self.square)
        self.spring_late = make_cohort(db, self.owner, name="Vårens andra runda")
        self.autumn = make_cohort(db, self.owner, name="Höstens runda", place=self.square)
        walker = make_enrolment(db, self.autumn, make_user(db, name="Åsa Öberg"))
        self.db = db
        # Walk 1 (March): a dark bike stand, a hidden path, litter.
        self.dark = self.add(self.spring, "Cykelstället", LIGHTING, at(2027, 3, 10))
        self.hidden = self.add(self.spring, "Gången", SIGHT, at(2027, 3, 10))
        self.litter = self.add(self.spring, "Papperskorgen", MAINTENANCE, at(2027, 3, 11))
        # Walk 2 (May, same quarter as... no: Q2): the bike stand again.
        self.dark_again = self.add(self.spring_late, "Cykelstället", LIGHTING, at(2027, 5, 2))
        # Walk 3 (October): the bike stand still dark, a new dark corner.
        self.dark_autumn = self.add(
            self.autumn, "Cykelstället", LIGHTING, at(2027, 10, 5), enrolment=walker
        )
        self.corner = self.add(
            self.autumn, "Hörnet", LIGHTING, at(2027, 10, 5), severity=FindingSeverity.LOW
        )
        db.flush()

    def add(
        self, cohort, spot, category, created_at, *, severity=FindingSeverity.HIGH, enrolment=None
    ):
        finding = Finding(
            place_id=self.square.id,
            cohort_id=cohort.id,
            enrolment_id=enrolment.id if enrolment else None,
            part_slug="safe-design",
            spot=spot,
            category=category,
            severity=severity,
            created_at=created_at,
        )
        self.db.add(finding)
        self.db.flush()
        return finding

    def mark(self, later, earlier):
        return places.mark_same_as(
            self.db, self.square, later, earlier.id, changed_by_id=self.organizer.id
        )


@pytest.fixture
def walked(db):
    return Walked(db)


def test_walks_are_columns_oldest_first_with_their_counts(db, walked):
    comparison = places.compare_walks(db, walked.square, tz=TZ)
    assert [column.rounds for column in comparison.columns] == [
        ("Vårens runda",),
        ("Vårens andra runda",),
        ("Höstens runda",),
    ]
    assert comparison.total_series == (3, 1, 2)
    assert comparison.category_series(LIGHTING) == (1, 1, 2)
    assert comparison.category_series(SIGHT) == (1, 0, 0)
    assert comparison.severity_series(FindingSeverity.LOW) == (0, 0, 1)
    assert comparison.categories == (LIGHTING, SIGHT, MAINTENANCE)
    # No finding lacks a severity: "not rated" is not shown.
    assert None not in comparison.severities
    first = comparison.columns[0]
    assert (first.first_on, first.last_on) == (date(2027, 3, 10), date(2027, 3, 11))
    assert (first.new, first.still_there, first.gone) == (None, None, None)


def test_unmarked_findings_of_a_later_walk_are_new_and_marked_ones_still_there(db, walked):
    unmarked = places.compare_walks(db, walked.square, tz=TZ).columns
    # Nothing marked: every problem of walk 2 is new, all three of walk 1 are gone.
    assert (unmarked[1].new, unmarked[1].still_there, unmarked[1].gone) == (1, 0, 3)

    walked.mark(walked.dark_again, walked.dark)
    walked.mark(walked.dark_autumn, walked.dark_again)
    columns = places.compare_walks(db, walked.square, tz=TZ).columns
    assert (columns[1].new, columns[1].still_there, columns[1].gone) == (0, 1, 2)
    # The bike stand is still there in October; the corner is new; nothing of May is gone.
    assert (columns[2].new, columns[2].still_there, columns[2].gone) == (1, 1, 0)


def test_a_problem_seen_before_the_walk_before_is_still_there_not_new(db, walked):
    # Walk 2 did not see the path; walk 3 did, and it is marked as walk 1's.
    path = walked.add(walked.autumn, "Gången", SIGHT, at(2027, 10, 6))
    walked.mark(path, walked.hidden)
    columns = places.compare_walks(db, walked.square, tz=TZ).columns
    assert (columns[2].new, columns[2].still_there) == (2, 1)


def test_per_quarter_merges_the_walks_of_a_quarter(db, walked):
    also_march = make_cohort(db, walked.owner, name="Mars extra")
    walked.add(also_march, "Bron", SIGHT, at(2027, 3, 28))
    comparison = places.compare_walks(db, walked.square, by=CompareBy.QUARTER, tz=TZ)
    assert [column.quarter for column in comparison.columns] == [(2027, 1), (2027, 2), (2027, 4)]
    assert comparison.columns[0].rounds == ("Vårens runda", "Mars extra")
    assert comparison.total_series == (4, 1, 2)
    assert comparison.columns[0].last_on == date(2027, 3, 28)


def test_the_quarter_is_the_organisations_not_utcs(db, walked):
    # 23:30 UTC on 31 March is 1 April in Stockholm: the second quarter.
    night = make_cohort(db, walked.owner, name="Natten")
    walked.add(night, "Bron", SIGHT, datetime(2027, 3, 31, 23, 30, tzinfo=UTC))
    quarters = [
        column.quarter
        for column in places.compare_walks(db, walked.square, by=CompareBy.QUARTER, tz=TZ).columns
    ]
    assert quarters == [(2027, 1), (2027, 2), (2027, 4)]
    quarters_utc = [
        column.quarter
        for column in places.compare_walks(
            db, walked.square, by=CompareBy.QUARTER, tz="UTC"
        ).columns
    ]
    assert quarters_utc == [(2027, 1), (2027, 2), (2027, 4)]
    columns_utc = places.compare_walks(db, walked.square, by=CompareBy.QUARTER, tz="UTC").columns
    assert columns_utc[0].total == 4


def test_readers_get_no_round_names(db, walked):
    comparison = places.compare_walks(db, walked.square, tz=TZ, with_rounds=False)
    assert all(column.rounds == () for column in comparison.columns)


def test_the_mark_names_the_first_finding_and_moves_followers_along(db, walked):
    # May's finding marked as March's; October's as May's: it names March's.
    assert walked.mark(walked.dark_again, walked.dark).id == walked.dark.id
    walked.mark(walked.dark_autumn, walked.dark_again)
    assert walked.dark_autumn.same_as_id == walked.dark.id
    # October's corner first marked as May's finding, then May's marked as an even
    # earlier one: the corner moves along.
    walked.dark_again.same_as_id = None
    walked.mark(walked.corner, walked.dark_again)
    assert walked.corner.same_as_id == walked.dark_again.id
    walked.mark(walked.dark_again, walked.hidden)
    db.refresh(walked.corner)
    assert walked.corner.same_as_id == walked.hidden.id
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "finding"))
    assert "finding.same_as" in list(actions)


@pytest.mark.parametrize("which", ["itself", "same round", "later", "other place", "missing"])
def test_only_an_earlier_walks_finding_of_the_place_can_be_the_earlier_one(db, walked, which):
    other_place = walked.add(walked.spring, "Perrongen", LIGHTING, at(2027, 3, 1))
    other_place.place_id = walked.elsewhere.id
    db.flush()
    earlier = {
        "itself": walked.dark_again,
        "same round": walked.hidden,
        "later": walked.dark_autumn,
        "other place": other_place,
    }.get(which)
    later = walked.dark_again if which != "same round" else walked.dark
    with pytest.raises(SameAsError):
        places.mark_same_as(
            db,
            walked.square,
            later,
            earlier.id if earlier else 2**31 - 1,
            changed_by_id=walked.organizer.id,
        )
    assert later.same_as_id is None


def test_clearing_the_mark_makes_a_problem_of_its_own(db, walked):
    walked.mark(walked.dark_again, walked.dark)
    assert places.clear_same_as(db, walked.square, walked.dark_again, changed_by_id=1)
    assert walked.dark_again.same_as_id is None
    assert not places.clear_same_as(db, walked.square, walked.dark_again, changed_by_id=1)


def test_deleting_the_first_finding_unmarks_the_others(db, walked):
    walked.mark(walked.dark_again, walked.dark)
    db.delete(walked.dark)
    db.flush()
    db.expire_all()
    assert db.get(Finding, walked.dark_again.id).same_as_id is None


def test_a_spot_that_starts_with_a_capital_a_ring_comes_first_too(db, walked):
    # SQLite lowers ASCII only: lowering one side in Python missed identical "Åbron"s.
    earlier = walked.add(walked.spring, "Åbron", LIGHTING, at(2027, 3, 1))
    later = walked.add(walked.autumn, "Åbron", LIGHTING, at(2027, 10, 7))
    page = places.same_as_candidates(db, walked.square, later, category=LIGHTING)
    assert page.rows[0].id == earlier.id


def test_candidates_are_earlier_walks_same_spot_first(db, walked):
    elsewhere = walked.add(walked.spring, "Busshållplatsen", LIGHTING, at(2027, 3, 12))
    page = places.same_as_candidates(db, walked.square, walked.dark_autumn, category=LIGHTING)
    ids = [row.id for row in page.rows]
    assert set(ids) == {walked.dark.id, walked.dark_again.id, elsewhere.id}
    # Same spot first (newest first among them), then the rest.
    assert ids == [walked.dark_again.id, walked.dark.id, elsewhere.id]
    every = places.same_as_candidates(db, walked.square, walked.dark_autumn, category=None)
    assert every.total == 5 and walked.corner.id not in {row.id for row in every.rows}


def make_plan_with_measure(db, walked):
    plan = plans.create_plan(
        db,
        walked.owner,
        PlanValues(
            title="Åtgärdsplan Torget 2027",
            kind=PlanKind.ACTION_PLAN,
            starts_on=date(2027, 1, 1),
            ends_on=date(2028, 12, 31),
            place_ids=(walked.square.id,),
        ),
        created_by_id=walked.organizer.id,
    )
    measure = plans.create_measure(
        db,
        plan,
        MeasureValues(
            title="Belysning vid cykelstället",
            place_id=walked.square.id,
            responsible_id=walked.owner.id,
            indicator="Färre fynd om belysning vid nästa vandring",
            due_on=date(2027, 9, 1),
        ),
        created_by_id=walked.organizer.id,
    )
    plans.link_findings(
        db,
        measure,
        shown=[walked.dark.id],
        chosen=[walked.dark.id],
        changed_by_id=walked.organizer.id,
    )
    plans.create_measure(
        db,
        plan,
        MeasureValues(
            title="Möte med handlarna", place_id=walked.square.id, responsible_id=walked.owner.id
        ),
        created_by_id=walked.organizer.id,
    )
    return plan, measure


def test_each_measure_has_the_findings_of_its_categories_beside_the_walks(db, walked):
    make_plan_with_measure(db, walked)
    trends = places.compare_walks(db, walked.square, tz=TZ).measures
    assert [trend.title for trend in trends] == ["Belysning vid cykelstället", "Möte med handlarna"]
    lit = trends[0]
    assert lit.categories == (LIGHTING,) and lit.series == (1, 1, 2)
    assert lit.indicator.startswith("Färre fynd") and lit.responsible == "Vänersborgs kommun"
    assert trends[1].categories == () and trends[1].series == ()
    per_quarter = places.compare_walks(db, walked.square, by=CompareBy.QUARTER, tz=TZ).measures
    assert per_quarter[0].series == (1, 1, 2)


def test_the_chart_is_valid_svg_that_escapes_and_says_what_it_shows(app_context, db, walked):
    walked.square.name = 'Torget <script>alert("x")</script> & co'
    comparison = places.compare_walks(db, walked.square, tz=TZ)
    svg = places.walks_chart_svg(comparison, "sv")
    root = ET.fromstring(svg)  # noqa: S314 - our own output, well-formed: the name is escaped
    assert "<script>" not in svg
    ns = {"svg": "http://www.w3.org/2000/svg"}
    title = root.find("svg:title", ns).text
    description = root.find("svg:desc", ns).text
    assert "iakttagelser per vandring" in title and "Torget <script>" in title
    assert "Belysning: 1, 1, 2." in description
    # A bar for every non-zero count of the total row and each category's.
    assert len(root.findall(".//svg:rect", ns)) == 1 + 3 + 1 + 2 + 1 + 1


def test_the_chart_shows_the_last_eight_columns(app_context, db, walked):
    for month in range(1, 10):
        cohort = make_cohort(db, walked.owner, name=f"Runda 2028-{month}")
        walked.add(cohort, "Hörnet", LIGHTING, at(2028, month, 1))
    comparison = places.compare_walks(db, walked.square, tz=TZ)
    assert len(comparison.columns) == 12
    svg = places.walks_chart_svg(comparison, "en")
    assert "The last 8 of 12" in svg
    empty = places.compare_walks(db, walked.elsewhere, tz=TZ)
    assert "No findings yet." in places.walks_chart_svg(empty, "en")


# --- the pages ---------------------------------------------------------------------------


@pytest.fixture
def committed(db, walked):
    make_plan_with_measure(db, walked)
    db.commit()
    return walked


def test_the_owner_sees_the_walks_with_round_names(client, committed):
    client.login_as(committed.organizer)
    response = client.get(f"/organize/places/{committed.square.id}/walks")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vårens runda" in text and "Höstens runda" in text
    assert "Belysning vid cykelstället" in text and "<svg" in text
    assert "Åsa Öberg" not in text
    quarter = client.get(f"/organize/places/{committed.square.id}/walks?by=quarter")
    assert 'aria-current="page"' in quarter.get_data(as_text=True)


@pytest.mark.parametrize("who", ["officer", "viewer"])
def test_partners_and_viewers_read_the_walks_without_rounds_or_names(client, committed, who):
    client.login_as(getattr(committed, who))
    text = client.get(f"/organize/places/{committed.square.id}/walks").get_data(as_text=True)
    assert "Belysning vid cykelstället" in text
    for secret in ("Vårens runda", "Höstens runda", "Åsa Öberg", "Olle Org"):
        assert secret not in text


def test_strangers_get_404(client, committed):
    client.login_as(committed.other)
    assert client.get(f"/organize/places/{committed.square.id}/walks").status_code == 404
    finding = committed.dark_autumn.id
    assert client.get(f"/organize/findings/{finding}/same-as").status_code == 404
    client.login_as(committed.officer)
    assert client.get(f"/organize/findings/{finding}/same-as").status_code == 404


def test_the_owner_marks_a_finding_from_the_place_page(client, db, committed):
    client.login_as(committed.organizer)
    place_page = client.get(f"/organize/places/{committed.square.id}").get_data(as_text=True)
    address = f"/organize/findings/{committed.dark_autumn.id}/same-as"
    assert address in place_page
    chooser = client.get(address).get_data(as_text=True)
    assert "Vårens runda" in chooser and f'value="{committed.dark_again.id}"' in chooser
    response = client.post_form(
        address + "?category=lighting", {"earlier": str(committed.dark_again.id)}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"#finding-{committed.dark_autumn.id}")
    db.expire_all()
    assert db.get(Finding, committed.dark_autumn.id).same_as_id == committed.dark_again.id
    text = client.get(f"/organize/places/{committed.square.id}").get_data(as_text=True)
    assert "Same as an earlier finding: “Cykelstället”." in text
    cleared = client.post_form(address + "/clear")
    assert cleared.status_code == 302
    db.expire_all()
    assert db.get(Finding, committed.dark_autumn.id).same_as_id is None


@pytest.mark.parametrize("value", ["", "abc", "0", "-3", "99999999999999999999", "2147483647"])
def test_a_wrong_choice_is_an_error_at_the_field_and_changes_nothing(client, db, committed, value):
    client.login_as(committed.organizer)
    address = f"/organize/findings/{committed.dark_autumn.id}/same-as"
    response = client.post_form(address, {"earlier": value})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="earlier-error"' in text and 'href="#earlier"' in text
    db.expire_all()
    assert db.get(Finding, committed.dark_autumn.id).same_as_id is None


def test_a_later_finding_is_not_offered_and_cannot_be_chosen(client, db, committed):
    client.login_as(committed.organizer)
    address = f"/organize/findings/{committed.dark.id}/same-as"
    text = client.get(address).get_data(as_text=True)
    assert "No earlier walk" in text
    response = client.post_form(address, {"earlier": str(committed.dark_autumn.id)})
    text = response.get_data(as_text=True)
    # No list to mark the error at: the summary leads to the words that say why.
    assert 'href="#earlier"' in text and 'id="earlier"' in text
    db.expire_all()
    assert db.get(Finding, committed.dark.id).same_as_id is None


# --- statements do not grow with the findings ---------------------------------------------


def bulk_findings(db, walked, count: int) -> None:
    """``count`` more findings over eight rounds, a tenth of them marked as the same as the
    first walk's bike stand, half of them linked to the plan's measure."""
    cohorts = [make_cohort(db, walked.owner, name=f"Runda {n}") for n in range(8)]
    db.execute(
        insert(Finding),
        [
            {
                "place_id": walked.square.id,
                "cohort_id": cohorts[n % 8].id,
                "part_slug": "safe-design",
                "spot": f"Plats {n}",
                "category": list(FindingCategory)[n % 8],
                "severity": FindingSeverity.MEDIUM,
                "same_as_id": walked.dark.id if n % 10 == 0 else None,
                "created_at": at(2028, 1 + n % 8, 1),
            }
            for n in range(count)
        ],
    )
    db.commit()


def statements(app, count_queries, user, url) -> int:
    from tests.conftest import Client

    client = Client(app, app.test_client())
    client.login_as(user)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("who", ["organizer", "officer", "viewer"])
def test_the_walks_and_plan_pages_run_as_many_statements_for_2000_findings_as_for_10(
    app, db, walked, count_queries, who
):
    plan, _measure = make_plan_with_measure(db, walked)
    bulk_findings(db, walked, 4)
    user = getattr(walked, who)
    pages = [f"/organize/places/{walked.square.id}/walks", f"/organize/plans/{plan.id}"]
    small = [statements(app, count_queries, user, url) for url in pages]
    bulk_findings(db, walked, 1_990)
    for n in range(28):
        plans.create_measure(
            db,
            plan,
            MeasureValues(
                title=f"Åtgärd {n}", place_id=walked.square.id, responsible_id=walked.owner.id
            ),
            created_by_id=walked.organizer.id,
        )
    db.commit()
    large = [statements(app, count_queries, user, url) for url in pages]
    assert large == small


def test_per_quarter_a_mark_inside_the_quarter_is_one_problem(db, walked):
    # A second round in March finds the hidden path again: one problem in the first
    # quarter, not two; May sees the bike stand again, October the bike stand and more.
    also_march = make_cohort(db, walked.owner, name="Mars extra")
    again = walked.add(also_march, "Gången", SIGHT, at(2027, 3, 28))
    walked.mark(again, walked.hidden)
    walked.mark(walked.dark_again, walked.dark)
    walked.mark(walked.dark_autumn, walked.dark_again)
    columns = places.compare_walks(db, walked.square, by=CompareBy.QUARTER, tz=TZ).columns
    assert [column.total for column in columns] == [4, 1, 2]
    # Q2: the bike stand still there; the path and the litter gone.
    assert (columns[1].new, columns[1].still_there, columns[1].gone) == (0, 1, 2)
    # Q4: the bike stand still there, the corner new, nothing of Q2 gone.
    assert (columns[2].new, columns[2].still_there, columns[2].gone) == (1, 1, 0)
