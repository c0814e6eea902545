"""Places and their findings: findings made from submitted safety walks and place audits,
the place page (counts, chart, filters, status per finding, pages, statement count), the
exports, the places list and form, and who may see any of it."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, insert, select

from academy import pdf
from academy.models import (
    AssignmentSubmission,
    AuditEvent,
    Finding,
    FindingCategory,
    FindingSeverity,
    FindingStatus,
    Place,
    SubmissionStatus,
)
from academy.services import places, privacy
from academy.services import progress as progress_service
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_place,
    make_user,
)
from tests.test_reports import SVG, contrast

COURSES = Path(__file__).resolve().parent.parent / "courses"
DANGEROUS = ["=1+2", "+46 70 123 45 67", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


# --- the real course's assignments ---------------------------------------------------------


@pytest.fixture
def course(real_course):
    return real_course


def walk_row(spot, category="lighting", severity="high", **overrides):
    row = {
        "spot": spot,
        "category": category,
        "observation": f"Seen at {spot}: it is dark and nobody can see the path from the road.",
        "suggestion": "The property owner replaces the broken lamps and trims the hedge.",
        "severity": severity,
    }
    row.update(overrides)
    return row


def walk_answers(rows) -> dict:
    return {
        "place": "Stationsområdet, from the bus stops to the car park",
        "date-time": "12 November, 18:30-20:00, dark",
        "participants": "Two residents, a property owner, the park unit and the local police.",
        "findings": rows,
        "summary": "Fix the lighting by the bike stand first; the owner takes it. " * 2,
        "follow-up": "",
    }


def audit_answers(rows) -> dict:
    return {"place": "Station forecourt, Värnamo", "observations": rows}


@pytest.fixture
def world(db, course):
    """An organisation with two places, a round of the real course at the station, an
    organizer and a participant whose own place is the square."""
    organisation = make_organisation(db, name="Värnamo kommun", timezone="Europe/Stockholm")
    station = make_place(db, organisation, name="Stationsområdet")
    square = make_place(db, organisation, name="Torget")
    cohort = make_cohort(db, organisation, course_slug=course.slug, place=station)
    organizer = make_organizer(db, organisation, make_user(db, name="Olle Organizer")).user
    return {
        "organisation": organisation,
        "station": station,
        "square": square,
        "cohort": cohort,
        "organizer": organizer,
    }


def submit(db, enrolment, course, part_slug, answers, *, submit=True) -> AssignmentSubmission:
    part = course.part(part_slug)
    return progress_service.save_assignment(db, enrolment, course, part, answers, submit=submit)


def findings_of(db, submission) -> list[Finding]:
    return list(
        db.scalars(
            select(Finding).where(Finding.submission_id == submission.id).order_by(Finding.position)
        )
    )


def test_the_safety_walk_and_the_place_audit_have_findings_groups(course):
    group = {
        part.slug: getattr(places.findings_group(part.assignment), "slug", None)
        for part in course.parts
    }
    assert group == {
        "situational-prevention": None,
        "safe-urban-planning": "findings",
        "place-collaboration": None,
        "placemaking": "observations",
    }
    # Their category choices are the finding categories, so none falls back to "other".
    for slug in ("safe-urban-planning", "placemaking"):
        categories = next(
            sub
            for sub in places.findings_group(course.part(slug).assignment).fields
            if sub.slug == "category"
        )
        assert {choice.slug for choice in categories.choices} == {c.value for c in FindingCategory}


def test_the_fixture_courses_safety_walk_has_no_findings_group(app_context):
    from academy.content import get_course

    # Its findings have neither a spot nor a category: nothing to gather per place.
    assert all(
        places.findings_group(part.assignment) is None for part in get_course("safer-streets").parts
    )


def test_a_submitted_safety_walk_makes_one_finding_per_row(db, course, world):
    enrolment = make_enrolment(db, world["cohort"], make_user(db, name="Åsa Öberg"))
    rows = [
        walk_row("Bike stand behind the station"),
        walk_row("Underpass", "sight-lines", "medium", suggestion=""),
        walk_row("Car park", "no-such-category", "very-bad"),
    ]
    submission = submit(db, enrolment, course, "safe-urban-planning", walk_answers(rows))
    found = findings_of(db, submission)
    assert [f.spot for f in found] == ["Bike stand behind the station", "Underpass", "Car park"]
    first = found[0]
    assert first.place_id == world["station"].id  # the round's place: the person has none
    assert first.cohort_id == world["cohort"].id and first.enrolment_id == enrolment.id
    assert first.part_slug == "safe-urban-planning" and first.position == 0
    assert first.category == FindingCategory.LIGHTING
    assert first.severity == FindingSeverity.HIGH
    assert first.observation.startswith("Seen at Bike stand")
    assert first.suggestion.startswith("The property owner")
    assert first.status == FindingStatus.NEW and first.status_changed_by_id is None
    assert first.created_at is not None
    assert found[1].suggestion == ""
    # Unknown values are not trusted: another category counts as "other", no severity.
    assert found[2].category == FindingCategory.OTHER and found[2].severity is None


def test_the_participants_own_place_comes_before_the_rounds(db, course, world):
    enrolment = make_enrolment(db, world["cohort"], place_id=world["square"].id)
    submission = submit(db, enrolment, course, "safe-urban-planning", walk_answers([walk_row("A")]))
    assert findings_of(db, submission)[0].place_id == world["square"].id

    no_place = make_cohort(db, world["organisation"], course_slug=course.slug)
    stray = make_enrolment(db, no_place)
    submission = submit(db, stray, course, "safe-urban-planning", walk_answers([walk_row("B")]))
    assert findings_of(db, submission)[0].place_id is None
    overview = places.places_overview(db, world["organisation"])
    assert overview.unplaced == 1


def test_a_draft_makes_no_findings_and_other_assignments_none_either(db, course, world):
    enrolment = make_enrolment(db, world["cohort"])
    draft = submit(
        db, enrolment, course, "safe-urban-planning", walk_answers([walk_row("A")]), submit=False
    )
    assert findings_of(db, draft) == []
    answers = {"place": "Torget", "measures": [{"measure": "x", "category": "effort"}]}
    other = submit(db, enrolment, course, "situational-prevention", answers)
    assert findings_of(db, other) == []
    assert db.scalar(select(func.count()).select_from(Finding)) == 0


def test_place_audit_observations_are_findings_without_severity(db, course, world):
    enrolment = make_enrolment(db, world["cohort"])
    rows = [
        {
            "spot": "Bench by the kiosk",
            "observation": "Older people sit here at noon.",
            "category": "activity",
        },
        {"spot": "", "observation": "", "category": "other"},  # an empty row is no finding
    ]
    submission = submit(db, enrolment, course, "placemaking", audit_answers(rows))
    [finding] = findings_of(db, submission)
    assert finding.category == FindingCategory.ACTIVITY
    assert finding.severity is None and finding.suggestion == ""
    summary = places.place_summary(db, world["station"])
    assert summary.counts[(FindingCategory.ACTIVITY, None)] == 1
    assert not summary.rated


def test_resubmitting_replaces_the_findings_and_keeps_statuses_where_it_can(
    db, app_context, course, world
):
    enrolment = make_enrolment(db, world["cohort"])
    organizer = world["organizer"]
    rows = [
        walk_row("Bike stand"),
        walk_row("Underpass", "sight-lines", "medium"),
        walk_row("Car park", "maintenance", "low"),
    ]
    submission = submit(db, enrolment, course, "safe-urban-planning", walk_answers(rows))
    bike, underpass, car_park = findings_of(db, submission)
    places.set_status(db, bike, FindingStatus.PLANNED, changed_by_id=organizer.id)
    places.set_status(db, underpass, FindingStatus.DONE, changed_by_id=organizer.id)
    places.set_status(db, car_park, FindingStatus.NOT_ACTED_ON, changed_by_id=organizer.id)
    progress_service.review_assignment(
        db,
        submission,
        enrolment,
        course,
        approve=False,
        comment="More detail.",
        reviewer_id=organizer.id,
    )
    assert submission.status == SubmissionStatus.RETURNED
    assert len(findings_of(db, submission)) == 3  # a returned assignment keeps its findings

    again = [
        walk_row("New spot by the kiosk", "signage", "low"),
        # Unchanged but for case and spacing: the same finding.
        walk_row("bike  STAND", observation=bike.observation.upper(), severity="medium"),
        # Same spot and category, the observation corrected: still the same finding.
        walk_row("Underpass", "sight-lines", "medium", observation="Corrected: no lamp at all."),
        # The car park is gone from the walk.
    ]
    submit(db, enrolment, course, "safe-urban-planning", walk_answers(again))
    kiosk, bike_again, underpass_again = findings_of(db, submission)
    assert kiosk.status == FindingStatus.NEW and kiosk.id not in {bike.id, underpass.id}
    assert (bike_again.id, bike_again.status) == (bike.id, FindingStatus.PLANNED)
    assert bike_again.severity == FindingSeverity.MEDIUM and bike_again.position == 1
    assert bike_again.status_changed_by_id == organizer.id
    assert (underpass_again.id, underpass_again.status) == (underpass.id, FindingStatus.DONE)
    assert underpass_again.observation == "Corrected: no lamp at all."
    assert db.get(Finding, car_park.id) is None


def test_erasing_people_keeps_the_places_findings_without_them(db, course, world):
    participant = make_user(db, name="Åsa Öberg")
    enrolment = make_enrolment(db, world["cohort"], participant)
    submission = submit(db, enrolment, course, "safe-urban-planning", walk_answers([walk_row("A")]))
    [finding] = findings_of(db, submission)
    changer = make_organizer(db, world["organisation"]).user
    places.set_status(db, finding, FindingStatus.PLANNED, changed_by_id=changer.id)
    db.flush()
    privacy.erase_account(db, participant, withdraw_certificates=False)
    privacy.erase_account(db, changer, withdraw_certificates=False)
    db.expire_all()
    kept = db.get(Finding, finding.id)
    assert (kept.enrolment_id, kept.submission_id, kept.status_changed_by_id) == (None, None, None)
    assert kept.place_id == world["station"].id and kept.status == FindingStatus.PLANNED
    [row] = places.all_findings(db, world["station"])
    assert row.participant is None and row.changed_by is None


# --- the place page ------------------------------------------------------------------------


@pytest.fixture
def town(db):
    """The place page's world, on the fixture course: findings added directly."""
    organisation = make_organisation(db, name="Vänersborgs kommun", timezone="Europe/Stockholm")
    station = make_place(db, organisation, name="Stationsområdet", description="Från bussen.")
    square = make_place(db, organisation, name="Torget")
    spring = make_cohort(db, organisation, name="Våren", place=station)
    autumn = make_cohort(db, organisation, name="Hösten", place=station)
    organizer = make_organizer(db, organisation, make_user(db, name="Olle Organizer")).user
    asa = make_enrolment(db, spring, make_user(db, name="Åsa Öberg"))
    other = make_organisation(db, name="Kongsvinger kommune")
    other_cohort = make_cohort(db, other, name="Kongsvinger")
    return {
        "organisation": organisation,
        "station": station,
        "square": square,
        "spring": spring,
        "autumn": autumn,
        "organizer": organizer,
        "asa": asa,
        "other": other,
        "other_cohort": other_cohort,
        "other_organizer": make_organizer(db, other).user,
    }


def add_finding(db, place, cohort, enrolment=None, **overrides) -> Finding:
    values = {
        "place_id": place.id if place else None,
        "cohort_id": cohort.id,
        "enrolment_id": enrolment.id if enrolment else None,
        "part_slug": "safe-design",
        "spot": "Bike stand",
        "category": FindingCategory.LIGHTING,
        "observation": "Two of the four lamps are broken.",
        "suggestion": "Replace the lamps.",
        "severity": FindingSeverity.HIGH,
    }
    values.update(overrides)
    finding = Finding(**values)
    db.add(finding)
    db.flush()
    return finding


def bulk_findings(db, place, cohort, number: int, enrolment=None) -> None:
    categories, severities = list(FindingCategory), places.SEVERITIES
    start = datetime(2026, 4, 1, tzinfo=UTC)
    db.execute(
        insert(Finding),
        [
            {
                "place_id": place.id,
                "cohort_id": cohort.id,
                "enrolment_id": enrolment.id if enrolment and n % 2 else None,
                "part_slug": "safe-design",
                "position": n % 30,
                "spot": f"Spot {n}",
                "category": categories[n % len(categories)],
                "observation": f"Observation {n}",
                "suggestion": "",
                "severity": severities[n % len(severities)],
                "status": list(FindingStatus)[n % 4],
                "created_at": start + timedelta(minutes=n),
            }
            for n in range(number)
        ],
    )
    db.flush()


def login(client, user):
    client.login_as(user)
    return client


def test_the_place_page_shows_counts_chart_and_findings(client, db, town):
    station, spring = town["station"], town["spring"]
    add_finding(db, station, spring, town["asa"])
    add_finding(
        db,
        station,
        town["autumn"],
        spot="<script>alert(1)</script>",
        category="sight-lines",
        severity=FindingSeverity.LOW,
        suggestion="",
    )
    add_finding(db, town["square"], spring, spot="Elsewhere on the square")
    add_finding(db, station, town["other_cohort"], spot="Another organisation's finding")
    db.commit()
    page = login(client, town["organizer"]).get(f"/organize/places/{station.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stationsområdet" in html and "Från bussen." in html
    assert "Bike stand" in html and "Two of the four lamps are broken." in html
    assert "Åsa Öberg" in html and "Våren" in html and "Hösten" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Elsewhere on the square" not in html
    assert "Another organisation" not in html  # a round of another organisation: not here
    assert "2 findings" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "Not followed up yet." in html
    assert 'action="/organize/findings/' in html


def test_the_chart_is_accessible_well_formed_and_escaped(db, app_context, town):
    station = town["station"]
    station.name = '<script>alert("x")</script> & Co'
    add_finding(db, station, town["spring"])
    add_finding(db, station, town["spring"], severity=FindingSeverity.MEDIUM)
    add_finding(db, station, town["spring"], category=FindingCategory.SIGNAGE, severity=None)
    summary = places.place_summary(db, station)
    svg = places.findings_chart_svg(summary, "en")
    assert "<script" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == SVG + "svg" and root.get("role") == "img" and root.get("lang") == "en"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == '<script>alert("x")</script> & Co: findings by category and severity'
    assert desc.text.startswith("3 findings. Lighting: 2 findings (1 high, 1 medium).")
    assert "Vegetation: 0 findings." in desc.text
    assert "Signage: 1 finding (1 not rated)." in desc.text
    texts = [el.text for el in root.iter(SVG + "text")]
    # The heading: the place's name, wrapped, then what the chart shows.
    assert " ".join(texts[: texts.index("Findings by category and severity")]) == station.name
    assert {"Lighting", "2 findings", "1 high, 1 medium", "Signage", "1 not rated"} <= set(texts)
    assert {"High", "Medium", "Low", "Not rated"} <= set(texts)
    assert all(int(el.get("x", 0)) <= int(root.get("width")) for el in root.iter(SVG + "text"))
    for element in root.iter():
        if element.tag == SVG + "text" or element is root:
            assert contrast(element.get("fill") or root.get("fill"), "#ffffff") >= 4.5
        elif element.tag == SVG + "rect":
            if element.get("fill") != "#ffffff":
                assert contrast(element.get("fill"), "#ffffff") >= 3
            elif element.get("stroke"):
                assert contrast(element.get("stroke"), "#ffffff") >= 3
    assert all(not name.startswith("on") for el in root.iter() for name in el.attrib)
    # Without unrated findings the legend leaves "not rated" out.
    rated = places.findings_chart_svg(
        places.place_summary(db, station, places.FindingFilters.of(severity="high")), "nb"
    )
    assert "Not rated" not in rated and 'lang="nb"' in rated
    empty = places.findings_chart_svg(places.place_summary(db, town["square"]), "en")
    assert "No findings match." in empty


@pytest.mark.parametrize(
    ("query", "spots"),
    [
        ("", {"A", "B", "C", "D"}),
        ("?category=lighting", {"A", "C"}),
        ("?severity=high", {"A"}),
        ("?severity=unrated", {"D"}),
        ("?status=done", {"C"}),
        ("?cohort={autumn}", {"B", "C"}),
        ("?category=lighting&cohort={autumn}", {"C"}),
        # Unknown values, and a round of another organisation, are ignored.
        ("?category=nonsense&severity=9&status=x&cohort={other}", {"A", "B", "C", "D"}),
    ],
)
def test_filters(client, db, town, query, spots):
    station, spring, autumn = town["station"], town["spring"], town["autumn"]
    add_finding(db, station, spring, spot="A")
    add_finding(db, station, autumn, spot="B", category="vegetation", severity="medium")
    add_finding(db, station, autumn, spot="C", severity="low", status=FindingStatus.DONE)
    add_finding(db, station, spring, spot="D", category="other", severity=None)
    db.commit()
    url = f"/organize/places/{station.id}" + query.format(
        autumn=autumn.id, other=town["other_cohort"].id
    )
    html = login(client, town["organizer"]).get(url).get_data(as_text=True)
    shown = set(re.findall(r'<h3 id="finding-\d+-spot">([A-D])</h3>', html))
    assert shown == spots
    assert f"{len(spots)} finding" in html


def test_changing_a_status_is_audited_and_goes_back_to_the_same_view(client, db, town):
    station = town["station"]
    finding = add_finding(db, station, town["spring"])
    db.commit()
    login(client, town["organizer"])
    # The page's filters and page in the query string (status=new among them); the new
    # status in the form.
    back = f"category=lighting&status=new&cohort={town['spring'].id}&page=2"
    response = client.post_form(
        f"/organize/findings/{finding.id}/status?{back}&severity=bogus", {"status": "planned"}
    )
    assert response.headers["Location"] == (
        f"/organize/places/{station.id}?{back}#finding-{finding.id}"
    )
    db.expire_all()
    changed = db.get(Finding, finding.id)
    assert changed.status == FindingStatus.PLANNED
    assert changed.status_changed_by_id == town["organizer"].id
    assert changed.status_changed_at is not None
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "finding.status_changed"))
    assert (event.actor_id, event.object_type, event.object_id) == (
        town["organizer"].id,
        "finding",
        finding.id,
    )
    assert event.organisation_id == town["organisation"].id
    assert event.details == {"place": station.id, "previous": "new", "status": "planned"}

    html = client.get(f"/organize/places/{station.id}").get_data(as_text=True)
    assert "Status set by Olle Organizer on" in html
    assert '<option value="planned" selected>' in html

    # The same status again changes nothing and logs nothing.
    client.post_form(f"/organize/findings/{finding.id}/status", {"status": "planned"})
    assert db.scalar(select(func.count()).where(AuditEvent.action == "finding.status_changed")) == 1
    # An unknown status is refused.
    refused = client.post_form(f"/organize/findings/{finding.id}/status", {"status": "gone"})
    assert refused.status_code == 400


def test_a_finding_without_a_place_goes_back_to_the_places(client, db, town):
    finding = add_finding(db, None, town["spring"])
    db.commit()
    login(client, town["organizer"])
    response = client.post_form(f"/organize/findings/{finding.id}/status", {"status": "done"})
    assert response.headers["Location"] == (
        f"/organize/organisations/{town['organisation'].id}/places"
    )


def test_the_page_takes_the_same_statements_for_10_and_2000_findings(
    client, db, town, count_queries
):
    small, large = town["square"], town["station"]
    bulk_findings(db, small, town["spring"], 10, town["asa"])
    bulk_findings(db, large, town["spring"], 2000, town["asa"])
    first = add_finding(db, large, town["autumn"], town["asa"], spot="Changed one")
    places.set_status(db, first, FindingStatus.DONE, changed_by_id=town["organizer"].id)
    db.commit()
    login(client, town["organizer"])
    client.get(f"/organize/places/{small.id}")  # the first request loads the course files
    counts = []
    for place in (small, large):
        with count_queries() as counter:
            response = client.get(f"/organize/places/{place.id}?page=1")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8, counter.statements
    html = response.get_data(as_text=True)
    assert "2001 findings" in html and "Page 1 of 81" in html
    assert html.count('class="finding"') == places.FINDINGS_PAGE_SIZE
    with count_queries() as filtered:
        client.get(f"/organize/places/{large.id}?category=lighting&status=new&page=3")
    assert filtered.count == counts[1]

    # The services alone: one statement for the counts, one for the page.
    for place in (small, large):
        with count_queries() as counter:
            summary = places.place_summary(db, place)
            page = places.findings_page(db, place, summary, 2, size=5)
        assert counter.count == 2
    assert summary.total == 2001 and len(page.rows) == 5
    assert [row.id for row in page.rows] == [row.id for row in places.all_findings(db, large)[5:10]]
    # A page past the end runs only the counts.
    with count_queries() as counter:
        places.findings_page(db, large, summary, 500)
    assert counter.count == 0


# --- exports -------------------------------------------------------------------------------


def parse_csv(data: bytes, delimiter=",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize(("kind", "delimiter"), [("csv", ","), ("csv-semicolon", ";")])
def test_csv_export_has_a_bom_neutralised_formulas_no_names_and_is_audited(
    client, db, town, kind, delimiter
):
    station = town["station"]
    add_finding(db, station, town["spring"], town["asa"], spot="Bänken vid kiosken")
    for dangerous in DANGEROUS:
        add_finding(
            db,
            station,
            town["autumn"],
            spot=dangerous,
            observation=dangerous + " seen",
            category="signage",
            severity=FindingSeverity.LOW,
        )
    db.commit()
    login(client, town["organizer"])
    response = client.post_form(
        f"/organize/places/{station.id}/export?severity=low", {"format": kind}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="stationsomradet-findings-\d{4}-\d\d-\d\d\.csv"',
        response.headers["Content-Disposition"],
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = parse_csv(response.data, delimiter)
    header, body = rows[0], rows[1:]
    assert header == [
        "Spot",
        "Category",
        "Severity",
        "What was seen",
        "Suggestion",
        "Status",
        "Status changed by",
        "Status changed on",
        "Round",
        "Assignment",
        "Recorded on",
    ]
    assert len(body) == len(DANGEROUS)  # the filter applies: only the low ones
    for row, dangerous in zip(body, reversed(DANGEROUS), strict=True):
        assert row[0] == "'" + dangerous and row[3] == "'" + dangerous + " seen"
        assert row[1:3] == ["Signage", "Low"] and row[5] == "New" and row[8] == "Hösten"
        assert row[9] == "Safety walk"
    for row in body:
        assert not any(cell.startswith(tuple("=+-@\t\r")) for cell in row)
    assert "Åsa Öberg" not in response.data.decode("utf-8-sig")
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "findings.exported"))
    assert (event.actor_id, event.object_type, event.object_id) == (
        town["organizer"].id,
        "place",
        station.id,
    )
    assert event.details == {"format": "csv", "rows": len(DANGEROUS), "severity": "low"}


def test_xlsx_export_has_the_findings_and_a_summary_and_no_formulas(client, db, town):
    station = town["station"]
    add_finding(db, station, town["spring"], spot="Bänken vid kiosken")
    add_finding(db, station, town["spring"], spot='=HYPERLINK("http://x")', severity=None)
    db.commit()
    login(client, town["organizer"])
    response = client.post_form(f"/organize/places/{station.id}/export", {"format": "xlsx"})
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Findings", "Summary"]
    sheet = workbook["Findings"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["Spot", "Category", "Severity"]
    assert sheet.freeze_panes == "B2" and all(cell.font.b for cell in sheet[1])
    assert {row[0] for row in values[1:]} == {"Bänken vid kiosken", '=HYPERLINK("http://x")'}
    assert values[1][2] == "Not rated"
    for each in workbook:
        for row in each.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert summary[0][0] == "Stationsområdet" and summary[1][0] == "Från bussen."
    assert summary[2][:2] == ("Findings", 2)
    assert ("Category", "High", "Medium", "Low", "Not rated", "All") in summary
    assert ("Lighting", 1, 0, 0, 1, 2) in summary
    assert db.scalar(select(func.count()).where(AuditEvent.action == "findings.exported")) == 1


def test_exports_are_streamed_a_batch_of_findings_at_a_time(client, db, town, count_queries):
    station = town["station"]
    bulk_findings(db, station, town["spring"], 450, town["asa"])
    db.commit()
    filters = places.FindingFilters.of(category="lighting")
    with count_queries() as counter:
        streamed = list(places.findings_stream(db, station, filters))
    assert counter.count == 1
    assert streamed == places.all_findings(db, station, filters) and streamed
    login(client, town["organizer"])
    for kind in ("csv", "xlsx"):
        response = client.post_form(f"/organize/places/{station.id}/export", {"format": kind})
        assert response.status_code == 200 and response.is_streamed
        chunks = list(response.response)
        assert len(chunks) >= 3  # 450 findings, 200 a piece
        if kind == "csv":
            assert len(parse_csv(b"".join(chunks))) == 451
        else:
            workbook = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)))
            assert workbook["Findings"].max_row == 451
            assert workbook["Findings"].auto_filter.ref == "A1:K451"


def test_an_unknown_export_format_is_refused(client, db, town):
    login(client, town["organizer"])
    response = client.post_form(f"/organize/places/{town['station'].id}/export", {"format": "pdf"})
    assert response.status_code == 400
    assert db.scalar(select(func.count()).where(AuditEvent.action == "findings.exported")) == 0


# --- the places list and form ----------------------------------------------------------------


def test_places_list_counts_rounds_findings_and_open_ones(client, db, town):
    station = town["station"]
    add_finding(db, station, town["spring"])
    add_finding(db, station, town["spring"], status=FindingStatus.PLANNED)
    add_finding(db, station, town["autumn"], status=FindingStatus.DONE)
    add_finding(db, None, town["autumn"])
    db.commit()
    html = (
        login(client, town["organizer"])
        .get(f"/organize/organisations/{town['organisation'].id}/places")
        .get_data(as_text=True)
    )
    row = re.search(r"Stationsområdet</a>(.*?)</tr>", html, re.S).group(1)
    assert "Från bussen." in row
    assert re.findall(r'<td class="number[^"]*">(\d+)</td>', row) == ["2", "3", "2"]
    assert "Torget" in html
    assert "1 finding belongs to no place" in html
    organisation_page = client.get(f"/organize/organisations/{town['organisation'].id}")
    assert f"/organize/organisations/{town['organisation'].id}/places" in organisation_page.text
    cohort_page = client.get(f"/organize/cohorts/{town['spring'].id}")
    assert f'href="/organize/places/{station.id}"' in cohort_page.text


def test_an_organizer_adds_and_edits_a_place(client, db, town):
    organisation = town["organisation"]
    login(client, town["organizer"])
    url = f"/organize/organisations/{organisation.id}/places/new"
    taken = client.post_form(url, {"name": "  stationsOMRÅDET ", "description": ""})
    assert taken.status_code == 200 and "has a place with this name already" in taken.text
    too_long = client.post_form(url, {"name": "Norra", "description": "x" * 1001})
    assert "at most 1000 characters" in too_long.text
    created = client.post_form(url, {"name": " Norra torget ", "description": "Kring kiosken."})
    place = db.scalars(select(Place).where(Place.name == "Norra torget")).one()
    assert created.headers["Location"] == f"/organize/places/{place.id}"
    assert place.description == "Kring kiosken."

    edit = f"/organize/places/{place.id}/edit"
    assert "Kring kiosken." in client.get(edit).text
    refused = client.post_form(edit, {"name": "Torget", "description": ""})
    assert "has a place with this name already" in refused.text
    saved = client.post_form(edit, {"name": "Norra Torget", "description": "Hela torget."})
    assert saved.headers["Location"] == f"/organize/places/{place.id}"
    db.expire_all()
    assert (place.name, place.description) == ("Norra Torget", "Hela torget.")
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "place").order_by(AuditEvent.id)
    ).all()
    assert actions == ["place.created", "place.changed"]


# --- access --------------------------------------------------------------------------------


def routes(town, finding):
    organisation, place = town["organisation"].id, town["station"].id
    return [
        ("GET", f"/organize/organisations/{organisation}/places", {}),
        ("GET", f"/organize/organisations/{organisation}/places/new", {}),
        ("POST", f"/organize/organisations/{organisation}/places/new", {"name": "Stulen"}),
        ("GET", f"/organize/places/{place}", {}),
        ("GET", f"/organize/places/{place}/edit", {}),
        ("POST", f"/organize/places/{place}/edit", {"name": "Stulen", "description": ""}),
        ("POST", f"/organize/places/{place}/export", {"format": "csv"}),
        ("POST", f"/organize/places/{place}/export", {"format": "xlsx"}),
        ("POST", f"/organize/places/{place}/summary.pdf", {}),
        ("POST", f"/organize/findings/{finding}/status", {"status": "done"}),
    ]


@pytest.mark.parametrize("who", ["other_organizer", "participant"])
def test_outsiders_get_404_and_nothing_on_every_route(client, db, town, who, count_queries):
    finding = add_finding(db, town["station"], town["spring"], town["asa"], spot="Hemlig plats")
    db.commit()
    user = town["other_organizer"] if who == "other_organizer" else town["asa"].user
    login(client, user)
    for method, url, data in routes(town, finding.id):
        with count_queries() as counter:
            response = client.get(url) if method == "GET" else client.post_form(url, data)
        assert response.status_code == 404, (method, url)
        body = response.get_data(as_text=True)
        for secret in ("Hemlig plats", "Stationsområdet", "Åsa Öberg", "Two of the four"):
            assert secret not in body, (method, url, secret)
        writes = [s for s in counter.statements if re.match(r"\s*(INSERT|UPDATE|DELETE)", s)]
        assert writes == [], (method, url)
    db.expire_all()
    assert db.get(Finding, finding.id).status == FindingStatus.NEW
    assert db.get(Place, town["station"].id).name == "Stationsområdet"


def test_anonymous_visitors_are_sent_to_log_in(client, db, town):
    finding = add_finding(db, town["station"], town["spring"])
    db.commit()
    for method, url, data in routes(town, finding.id):
        response = client.get(url) if method == "GET" else client.post_form(url, data)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_an_administrator_sees_every_organisations_places(client, db, town):
    add_finding(db, town["station"], town["spring"], spot="Admin can see this")
    db.commit()
    login(client, make_user(db, is_admin=True))
    assert "Admin can see this" in client.get(f"/organize/places/{town['station'].id}").text


# --- what participants see -----------------------------------------------------------------


def test_participants_see_their_places_findings_after_submitting_their_own(
    client, db, course, world, with_real_course
):
    station, cohort = world["station"], world["cohort"]
    asa = make_enrolment(db, cohort, make_user(db, name="Åsa Öberg", email="asa@example.se"))
    bo = make_enrolment(db, cohort, make_user(db, name="Bo Bengtsson", email="bo@example.se"))
    # An earlier round of the organisation at the same place, and one elsewhere.
    spring = make_cohort(db, world["organisation"], course_slug=course.slug, place=station)
    cajsa = make_enrolment(db, spring, make_user(db, name="Cajsa Carlsson", email="c@example.se"))
    submit(db, bo, course, "safe-urban-planning", walk_answers([walk_row("Bike stand")]))
    submit(
        db,
        cajsa,
        course,
        "placemaking",
        audit_answers([{"spot": "Kiosk", "category": "activity", "observation": "Empty at 9."}]),
    )
    elsewhere = make_cohort(
        db, world["organisation"], course_slug=course.slug, place=world["square"]
    )
    submit(
        db,
        make_enrolment(db, elsewhere, make_user(db, name="Dag Dahl")),
        course,
        "safe-urban-planning",
        walk_answers([walk_row("Fountain on the square")]),
    )
    db.commit()
    login(client, asa.user)
    url = f"/learn/{asa.id}/place"
    assert f'href="{url}"' in client.get(f"/learn/{asa.id}/").text

    # Before: what the page will show, and where to submit; no finding.
    html = client.get(url).text
    assert "Stationsområdet" in html and "once you have submitted your own" in html
    assert f"/learn/{asa.id}/safe-urban-planning/assignment" in html
    assert f"/learn/{asa.id}/placemaking/assignment" in html
    assert "Bike stand" not in html and "Kiosk" not in html
    # A draft is not enough.
    submit(db, asa, course, "safe-urban-planning", walk_answers([walk_row("Tunnel")]), submit=False)
    db.commit()
    assert "Bike stand" not in client.get(url).text

    # After: every round's findings at the place, with category, severity and status, and
    # no one's name or address.
    submit(db, asa, course, "safe-urban-planning", walk_answers([walk_row("Tunnel")]))
    finding = db.scalar(select(Finding).where(Finding.spot == "Bike stand"))
    places.set_status(db, finding, FindingStatus.PLANNED, changed_by_id=world["organizer"].id)
    db.commit()
    html = client.get(url).text
    for shown in (
        "Bike stand",
        "Kiosk",
        "Tunnel",
        "Seen at Bike stand",
        "The property owner",
        "Lighting",
        "Activity and life",
        "High",
        "Not rated",
        "Status: Planned",
    ):
        assert shown in html, shown
    assert "Fountain on the square" not in html  # another place
    for name in (
        "Bo Bengtsson",
        "bo@example.se",
        "Cajsa Carlsson",
        "c@example.se",
        "Olle Organizer",
        "Dag Dahl",
    ):
        assert name not in html, name
    assert "of 3, newest first" in html


def test_the_participants_place_comes_before_the_rounds_and_no_place_is_404(
    client, db, course, world, with_real_course
):
    asa = make_enrolment(db, world["cohort"], make_user(db), place_id=world["square"].id)
    submit(
        db,
        asa,
        course,
        "placemaking",
        audit_answers([{"spot": "Bench", "category": "other", "observation": "Broken."}]),
    )
    no_place = make_cohort(db, world["organisation"], course_slug=course.slug)
    stray = make_enrolment(db, no_place, asa.user)
    db.commit()
    login(client, asa.user)
    html = client.get(f"/learn/{asa.id}/place").text
    assert "Torget" in html and "Bench" in html
    assert client.get(f"/learn/{stray.id}/place").status_code == 404
    assert f'/learn/{stray.id}/place"' not in client.get(f"/learn/{stray.id}/").text


def test_another_participants_place_page_is_404(client, db, course, world, with_real_course):
    asa = make_enrolment(db, world["cohort"], make_user(db))
    submit(db, asa, course, "safe-urban-planning", walk_answers([walk_row("Hemlig plats")]))
    other_org = make_organisation(db, name="Kongsvinger kommune")
    other = make_enrolment(db, make_cohort(db, other_org, course_slug=course.slug), make_user(db))
    same_round = make_enrolment(db, world["cohort"], make_user(db))
    db.commit()
    for user in (other.user, same_round.user):
        login(client, user)
        response = client.get(f"/learn/{asa.id}/place")
        assert response.status_code == 404
        assert "Hemlig plats" not in response.text and "Stationsområdet" not in response.text


def test_the_participants_page_is_paged_in_a_fixed_number_of_statements(
    client, db, course, world, count_queries, with_real_course
):
    station, cohort = world["station"], world["cohort"]
    asa = make_enrolment(db, cohort, make_user(db))
    submit(db, asa, course, "safe-urban-planning", walk_answers([walk_row("Mine")]))
    db.commit()
    login(client, asa.user)
    url = f"/learn/{asa.id}/place"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    bulk_findings(db, station, cohort, 2000)
    db.commit()
    with count_queries() as many:
        html = client.get(url + "?page=2").text
    assert many.count == few.count, many.statements
    assert html.count('class="finding"') == places.FINDINGS_PAGE_SIZE
    assert "Page 2 of 81" in html
    assert client.get(url + "?page=999").status_code == 200


# --- the PDF summary -----------------------------------------------------------------------

PAYLOAD = '<img src="http://127.0.0.1:1/">'


def test_the_pdf_summary_prints_counts_and_findings_without_names_and_fetches_nothing(
    client, db, town, monkeypatch, tmp_path
):
    station = town["station"]
    add_finding(db, station, town["spring"], town["asa"], spot="Bike stand by the library")
    add_finding(
        db,
        station,
        town["autumn"],
        town["asa"],
        spot="Underpass",
        category=FindingCategory.SIGHT_LINES,
        observation=f"Graffiti says {PAYLOAD}",
        suggestion="url(http://127.0.0.1:1/x.css)",
        severity=None,
    )
    add_finding(db, town["square"], town["spring"], spot="Fountain on the square")
    db.commit()
    fetched = []
    fetch = pdf.SafeURLFetcher.fetch

    def recording_fetch(self, url, *args, **kwargs):
        fetched.append(url)
        return fetch(self, url, *args, **kwargs)

    monkeypatch.setattr(pdf.SafeURLFetcher, "fetch", recording_fetch)
    login(client, town["organizer"])
    assert "/summary.pdf" in client.get(f"/organize/places/{station.id}").text
    response = client.post_form(f"/organize/places/{station.id}/summary.pdf", {})
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF")
    assert fetched and all(url.startswith(("file:", "data:")) for url in fetched), fetched
    assert not [url for url in fetched if "127.0.0.1" in url]
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "findings.exported").order_by(AuditEvent.id)
    ).all()[-1]
    assert event.object_id == station.id and event.details["format"] == "pdf"
    if shutil.which("pdftotext"):
        path = tmp_path / "summary.pdf"
        path.write_bytes(response.data)
        text = subprocess.run(
            ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        flat = "".join(text.split())
        for shown in (
            "Stationsområdet",
            "Från bussen.",
            "Bike stand by the library",
            "Underpass",
            "Lighting",
            "Sight lines",
            "Not rated",
            "High",
            "New",
        ):
            assert "".join(shown.split()) in flat, shown
        assert "".join(PAYLOAD.split()) in flat  # printed as text
        assert "Fountain" not in flat  # another place
        assert "Åsa" not in text and "Öberg" not in text and "Olle" not in text


def test_the_pdf_summary_is_in_the_organizers_language_and_filtered(client, db, town, tmp_path):
    station, organizer = town["station"], town["organizer"]
    add_finding(db, station, town["spring"], spot="Lampan vid busshållplatsen")
    add_finding(db, station, town["spring"], spot="Busken", category=FindingCategory.VEGETATION)
    organizer.locale = "sv"
    db.commit()
    login(client, organizer)
    response = client.post_form(
        f"/organize/places/{station.id}/summary.pdf?category=vegetation", {}
    )
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "summary.pdf"
        path.write_bytes(response.data)
        text = subprocess.run(
            ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "Busken" in text and "Lampan" not in text
        assert "Endast kategori" in text and "Kategori" in text  # Swedish labels


def test_the_pdf_summary_without_a_token_is_refused(client, db, town):
    login(client, town["organizer"])
    response = client.post(f"/organize/places/{town['station'].id}/summary.pdf")
    assert response.status_code == 400
