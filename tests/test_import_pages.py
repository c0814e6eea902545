"""The organizer's import pages (issue 13): the preview's counts add up and its button says
what will change (item 9), and a wide file's review page stays small (item 14)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from academy.models import Enrolment, Invitation, OutboxMail
from tests.factories import (
    make_cohort,
    make_enrolment,
    make_organisation,
    make_organizer,
    make_user,
)

HEADER = "Namn;E-post;Roll"


@pytest.fixture
def organisation(db):
    return make_organisation(db, name="Vänersborgs kommun")


@pytest.fixture
def cohort(db, organisation):
    return make_cohort(db, organisation)


@pytest.fixture
def organizer(app, client, db, organisation, tmp_path):
    app.instance_path = str(tmp_path)
    user = make_organizer(db, organisation).user
    client.login_as(user)
    return user


def review(client, cohort, lines: list[str], header: str = HEADER) -> tuple[str, str]:
    """Upload a CSV; the review page's address and HTML."""
    data = ("\r\n".join([header, *lines]) + "\r\n").encode()
    uploaded = client.flask.post(
        f"/organize/cohorts/{cohort.id}/import",
        **multipart({"csrf_token": client.csrf_token()}, "file", "deltagare.csv", data),
    )
    location = uploaded.headers["Location"]
    return location, client.get(location).data.decode()


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> dict:
    """A multipart body built by hand: the test client spools a large file to a temporary
    file that it leaves open."""
    body = b"".join(
        f'--x\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    )
    body += (
        (
            f'--x\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + b"\r\n--x--\r\n"
    )
    return {
        "input_stream": io.BytesIO(body),
        "content_length": len(body),
        "content_type": "multipart/form-data; boundary=x",
    }


def counts(page: str) -> list[int]:
    """New, with an account, already in the round, with errors."""
    found = re.search(r'<ul class="count-list import-counts">(.*?)</ul>', page, re.S)
    return [int(n) for n in re.findall(r"<strong>(\d+)</strong>", found.group(1))]


def buttons(page: str) -> list[str]:
    return [" ".join(text.split()) for text in re.findall(r"<button[^>]*>(.*?)</button>", page)]


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_counts_add_up_when_rows_have_errors(client, db, cohort, organizer):
    """The issue's file: nine rows, two of them in error, was "9 rows: 8 new"."""
    lines = [f"Person {n};p{n}@example.se;polis" for n in range(7)]
    lines += ["Bad Address;not-an-address;polis", "Bad Role;bad.role@example.se;kock"]
    _url, page = review(client, cohort, lines)
    assert "The file has 9 rows of participants" in page
    assert counts(page) == [7, 0, 0, 2]
    assert not [text for text in buttons(page) if text.startswith("Enrol")]


def test_the_button_says_what_the_import_changes(client, db, cohort, organizer):
    make_enrolment(db, cohort, make_user(db, email="already@example.se"))
    make_user(db, email="known@example.se", name="Known Person")
    lines = [
        "Åsa Öberg;asa@example.se;polis",
        "Ærlend Ødegård;aerlend@example.no;politiker",
        "Known;known@example.se;polis",
        "Already;already@example.se;polis",
    ]
    url, page = review(client, cohort, lines)
    assert counts(page) == [2, 1, 1, 0]
    assert buttons(page)[-2:] == [
        "Enrol 3 participants and send 3 invitations",
        "Enrol 3 participants without invitations",
    ]
    done = client.post_form(
        url, {"send_invitations": "y", "map_name": "0", "map_email": "1", "map_role": "2"}
    )
    assert done.headers["Location"] == f"/organize/cohorts/{cohort.id}"
    assert count(db, OutboxMail) == count(db, Invitation) == 3


def test_enrolling_without_invitations_sends_none(client, db, cohort, organizer):
    url, page = review(client, cohort, ["Åsa Öberg;asa@example.se;polis"])
    assert buttons(page)[-2:] == [
        "Enrol 1 participant and send the invitation",
        "Enrol 1 participant without an invitation",
    ]
    client.post_form(url)
    assert count(db, Enrolment) == 1
    assert count(db, OutboxMail) == count(db, Invitation) == 0


def test_nothing_to_import_says_so_and_offers_no_button(client, db, cohort, organizer):
    """The issue's file: all seven already in the round, and a button "Import 7 rows"."""
    lines = []
    for n in range(7):
        make_enrolment(db, cohort, make_user(db, email=f"in{n}@example.se"))
        lines.append(f"Person {n};in{n}@example.se;polis")
    _url, page = review(client, cohort, lines)
    assert counts(page) == [0, 0, 7, 0]
    assert "importing it would change nothing" in page
    assert not [text for text in buttons(page) if text.startswith("Enrol")]
    assert 'class="import-confirm"' not in page


def test_the_review_page_of_a_wide_file_stays_small(client, db, cohort, organizer):
    """50 columns with headers of 1,000 characters and 600 rows of long, wrong values
    (within every limit of the upload): the page shows 250 rows, those with errors first,
    each value cut to 60 characters, and 200 errors, in under 512 KB (a file of 1.2 million
    columns made 232 MB of HTML)."""
    long = "Å" * 950
    header = ";".join(["Namn", "E-post", "Roll"] + [f"Kolumn {n} {long}" for n in range(47)])
    lines = [f"{long} {n};{long}{n}(at)example.se;{long}" for n in range(600)]
    _url, page = review(client, cohort, lines, header=header)
    assert counts(page) == [0, 0, 0, 600]
    assert len(page.encode()) < 512 * 1024
    assert page.count('<tr class="row-error">') == 250
    assert "250 of 600 rows are shown." in page


def too_large_upload(client, cohort):
    """A spreadsheet over the 5 MB request limit."""
    data = b"Namn;E-post;Roll\r\n" + b"x" * (5 * 1024 * 1024)
    return client.flask.post(
        f"/organize/cohorts/{cohort.id}/import",
        **multipart({"csrf_token": client.csrf_token()}, "file", "deltagare.csv", data),
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "What you sent is larger than the 5 MB this site accepts."),
        ("sv", "Det du skickade är större än de 5 MB som webbplatsen tar emot."),
        ("nb", "Det du sendte, er større enn de 5 MB nettstedet tar imot."),
    ],
)
def test_a_too_large_spreadsheet_goes_back_to_the_import_with_the_limit(
    client, db, cohort, organizer, language, message
):
    """Refused before the view runs, and back to the upload form with the limit in the
    user's language, still logged in: the form works at once."""
    organizer.locale = language
    db.flush()
    upload_page = f"/organize/cohorts/{cohort.id}/import"
    answer = too_large_upload(client, cohort)
    assert answer.status_code == 303
    assert answer.headers["Location"] == upload_page
    page = client.get(upload_page).text
    assert message in page
    assert 'type="file"' in page  # the form, not the login page
    url, page = review(client, cohort, ["Åsa Öberg;asa@example.se;polis"])
    assert url.startswith(upload_page + "/")


def test_a_too_large_request_elsewhere_gets_the_error_page_with_the_limit(client, cohort):
    """Not logged in: no way back to a form, the error page (with the limit)."""
    answer = too_large_upload(client, cohort)
    assert answer.status_code == 413
    assert "What you sent is larger than the 5 MB this site accepts." in answer.text
