"""Enrolling participants from a spreadsheet: reading files, mapping, preview and import."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from openpyxl import Workbook
from sqlalchemy import func, select

from academy.models import (
    AudienceRole,
    AuditEvent,
    Enrolment,
    Invitation,
    OutboxMail,
    Place,
    User,
)
from academy.services.importing import (
    ImportFileError,
    ImportRejected,
    Limits,
    MappingError,
    RowStatus,
    guess_mapping,
    import_rows,
    normalized_email,
    preview,
    read_table,
)
from academy.services.tokens import token_hash
from tests.factories import make_cohort, make_enrolment, make_organisation, make_place, make_user

DATA = Path(__file__).resolve().parent / "data" / "imports"
NORDIC = ["Åsa Öberg", "Ærlend Ødegård", "Märta Ångström", "Øystein Bråthen"]
HEADER = ["Namn", "E-post", "Roll", "Arbetsgivare", "Plats", "Språk"]


def csv_text(rows, delimiter=";", header=HEADER) -> str:
    return "\r\n".join(delimiter.join(row) for row in [header, *rows]) + "\r\n"


def nordic_rows():
    return [
        [NORDIC[0], "asa@example.se", "tjänsteperson", "Malmö stad", "Möllan", "sv"],
        [NORDIC[1], "aerlend@example.no", "politiker", "Oslo kommune", "Grønland", "norsk"],
        [NORDIC[2], "marta@example.se", "fastighetsägare", "Ångström AB", "", ""],
        [NORDIC[3], "oystein@example.no", "gårdeier", "Bråthen AS", "", "nb"],
    ]


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def table_of(rows, header=HEADER):
    return read_table(csv_text(rows, header=header).encode(), "people.csv")


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le-bom", "utf-16"),
        ("utf-16-be-bom", "utf-16"),
        ("cp1252", "cp1252"),
    ],
)
def test_text_encodings_keep_nordic_names(encoding, expected):
    text = csv_text(nordic_rows())
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    table = read_table(data, "people.csv")
    assert table.kind == "csv"
    assert table.encoding == expected
    assert table.delimiter == ";"
    assert table.headers == HEADER
    assert [row.values[0] for row in table.rows] == NORDIC
    assert [row.line for row in table.rows] == [2, 3, 4, 5]


def test_windows_1252_semicolon_fixture_file():
    table = read_table((DATA / "excel-sv-cp1252.csv").read_bytes(), "excel-sv-cp1252.csv")
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.headers[:2] == ["Namn", "E-postadress"]
    assert [row.values[0] for row in table.rows] == NORDIC
    assert table.rows[0].values[3] == "Malmö stad; Gatukontoret"


@pytest.mark.parametrize(("delimiter", "name"), [(",", "a.csv"), ("\t", "a.txt"), (";", "a.csv")])
def test_the_delimiter_is_detected(delimiter, name):
    table = read_table(csv_text(nordic_rows(), delimiter).encode(), name)
    assert table.delimiter == delimiter
    assert table.rows[1].values[:3] == [NORDIC[1], "aerlend@example.no", "politiker"]


def test_the_delimiter_can_be_overridden():
    data = b"Name|Email\nAsa, with a comma|asa@example.se\n"
    guessed = read_table(data, "a.csv")
    assert guessed.delimiter == ","
    table = read_table(data, "a.csv", delimiter="|")
    assert table.headers == ["Name", "Email"]
    assert table.rows[0].values == ["Asa, with a comma", "asa@example.se"]


def test_the_encoding_can_be_overridden():
    data = "Namn;E-post\nÅsa;asa@example.se\n".encode("cp1252")
    assert read_table(data, "a.csv", encoding="latin-1").rows[0].values[0] == "Åsa"
    with pytest.raises(ImportFileError) as raised:
        read_table(data, "a.csv", encoding="utf-8")
    assert raised.value.code == "encoding"


def test_quoted_cells_with_line_breaks_keep_the_line_numbers_of_the_file():
    data = b'Name,Email\n"Asa\nOberg",asa@example.se\n\nBo,bo@example.se\n'
    table = read_table(data, "a.csv")
    assert [(row.line, row.values) for row in table.rows] == [
        (2, ["Asa\nOberg", "asa@example.se"]),
        (5, ["Bo", "bo@example.se"]),
    ]


def test_short_rows_are_padded_and_cells_trimmed():
    table = read_table(b"Name;Email;Role\n  Asa ; asa@example.se \n", "a.csv")
    assert table.rows[0].values == ["Asa", "asa@example.se", ""]


def test_xlsx_cells_become_text():
    data = xlsx_bytes(
        [
            ["Namn", "E-post", "Roll", "Född", "Nummer", "Tal", None],
            [NORDIC[1], "aerlend@example.no", "politi", date(1980, 5, 17), 42, 1.5],
            [],
            ["Bo", "bo@example.se", "polis", datetime(2026, 3, 1, 9, 30), 7.0, None],
        ]
    )
    table = read_table(data, "people.xlsx")
    assert (table.kind, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert table.headers == ["Namn", "E-post", "Roll", "Född", "Nummer", "Tal"]
    assert [row.line for row in table.rows] == [2, 4]
    assert table.rows[0].values == [
        NORDIC[1],
        "aerlend@example.no",
        "politi",
        "1980-05-17",
        "42",
        "1.5",
    ]
    assert table.rows[1].values[3:] == ["2026-03-01 09:30:00", "7", ""]


def test_an_xlsx_with_only_a_header_or_nothing():
    with pytest.raises(ImportFileError) as raised:
        read_table(xlsx_bytes([["Name", "Email"]]), "a.xlsx")
    assert raised.value.code == "header_only"
    with pytest.raises(ImportFileError) as raised:
        read_table(xlsx_bytes([]), "a.xlsx")
    assert raised.value.code == "empty"


def test_an_xlsx_openpyxl_warns_about_is_read():
    # No styles part: openpyxl warns "Workbook contains no default style"; the test suite
    # turns warnings into errors, so this fails unless the service handles it.
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Name"], ["Åsa"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/styles.xml":
                target.writestr(item, source.read(item.filename))
    table = read_table(buffer.getvalue(), "a.xlsx")
    assert table.rows[0].values == ["Åsa"]


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "a.csv", "empty"),
        (b"\xef\xbb\xbf\r\n \r\n", "a.csv", "empty"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe" * 20, "a.csv", "unreadable"),
        (bytes(range(256)) * 4, "a.txt", "unreadable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "a.xlsx", "encrypted"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
            "a.xls",
            "encrypted",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "a.xls", "xls"),
        (b"Name\tEmail\n", "a.xls", "xls"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "unreadable"),
        (b"not a zip", "a.xlsx", "unreadable"),
        (b"%PDF-1.7", "a.pdf", "unsupported"),
        (b"Name;Email\n", "a.csv", "header_only"),
        (b"Name;Email\n;\n\n", "a.csv", "header_only"),
    ],
)
def test_unreadable_files_raise_a_translatable_error(data, filename, code):
    with pytest.raises(ImportFileError) as raised:
        read_table(data, filename)
    assert raised.value.code == code
    assert str(raised.value)


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError) as raised:
        read_table(buffer.getvalue(), "people.xlsx")
    assert raised.value.code == "not_xlsx"


def test_encrypted_workbook_fixture():
    data = (DATA / "encrypted-header.xlsx").read_bytes()
    with pytest.raises(ImportFileError) as raised:
        read_table(data, "encrypted-header.xlsx")
    assert raised.value.code == "encrypted"


def test_ten_thousand_rows_are_read_and_one_more_is_refused(app):
    rows = [[f"P {n}", f"p{n}@example.se", "polis", "", "", ""] for n in range(10_001)]
    assert len(read_table(csv_text(rows[:10_000]).encode(), "a.csv").rows) == 10_000
    with pytest.raises(ImportFileError) as raised:
        read_table(csv_text(rows).encode(), "a.csv")
    assert raised.value.code == "too_many_rows"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "more than 10,000 rows of participants" in str(raised.value)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert "10\xa0000" in str(raised.value)
    with pytest.raises(ImportFileError):
        read_table(xlsx_bytes([HEADER, *rows[:11]]), "a.xlsx", limits=Limits(rows=10))


def test_error_messages_are_translated_when_shown(app):
    with pytest.raises(ImportFileError) as raised:
        read_table(b"", "a.csv")
    assert type(raised.value.message).__name__ == "LazyString"
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        assert str(raised.value)


# --- mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        ["Namn", "E-post", "Roll", "Arbetsgivare", "Plats", "Språk"],
        ["Fullständigt namn", "E-postadress", "ROLL", "Företag", "Område", "språk"],
        ["Navn", "Epost", "Rolle", "Arbeidsgiver", "Sted", "Språk"],
        ["Name", "Email", "Role", "Employer", "Place", "Language"],
        [" name ", "E-Mail", "role", "Organisation", "place", "LANGUAGE"],
        ["Full name", "Mail", "Role", "Firma", "Omrade", "Sprak"],
    ],
)
def test_headers_are_recognised_in_english_swedish_and_norwegian(headers):
    assert guess_mapping(headers) == {
        "name": 0,
        "email": 1,
        "role": 2,
        "employer": 3,
        "place": 4,
        "language": 5,
    }


def test_longer_headers_and_missing_fields():
    mapping = guess_mapping(
        ["Arbetsgivarens namn", "Deltagarens e-postadress", "Namn", "Anteckning"]
    )
    assert mapping == {
        "name": 2,
        "email": 1,
        "role": None,
        "employer": 0,
        "place": None,
        "language": None,
    }


# --- preview ------------------------------------------------------------------------------


@pytest.fixture
def cohort(db):
    return make_cohort(db)


def test_preview_cleans_values(db, app_context, cohort):
    place = make_place(db, cohort.organisation, name="Möllan")
    result = preview(db, cohort, table_of(nordic_rows()), guess_mapping(HEADER))
    assert not result.has_errors
    first, second, third, _fourth = result.rows
    assert (first.name, first.email, first.role, first.language) == (
        NORDIC[0],
        "asa@example.se",
        AudienceRole.OFFICIAL,
        "sv",
    )
    assert (first.place_id, first.place_name) == (place.id, "Möllan")
    assert (second.role, second.language, second.place_name) == (
        AudienceRole.POLITICIAN,
        "nb",
        "Grønland",
    )
    assert third.role == AudienceRole.PROPERTY_OWNER
    assert third.language == "sv"  # the default
    assert result.new_places == ["Grønland"]
    assert {row.status for row in result.rows} == {RowStatus.NEW}


@pytest.mark.parametrize(
    ("word", "role"),
    [
        ("Tjänsteperson", AudienceRole.OFFICIAL),
        ("tjenesteperson", AudienceRole.OFFICIAL),
        ("kommunanställd", AudienceRole.OFFICIAL),
        ("official", AudienceRole.OFFICIAL),
        ("Förtroendevald", AudienceRole.POLITICIAN),
        ("politician", AudienceRole.POLITICIAN),
        ("property_owner", AudienceRole.PROPERTY_OWNER),
        ("Property owner", AudienceRole.PROPERTY_OWNER),
        ("Fastighetsägare", AudienceRole.PROPERTY_OWNER),
        ("GÅRDEIER", AudienceRole.PROPERTY_OWNER),
        ("handlare", AudienceRole.TRADER),
        ("Näringsidkare", AudienceRole.TRADER),
        ("næringsdrivende", AudienceRole.TRADER),
        ("butikk", AudienceRole.TRADER),
        ("trader", AudienceRole.TRADER),
        ("Polis", AudienceRole.POLICE),
        ("politi", AudienceRole.POLICE),
        ("police", AudienceRole.POLICE),
        ("annan", AudienceRole.OTHER),
        ("Annen", AudienceRole.OTHER),
        ("other", AudienceRole.OTHER),
    ],
)
def test_role_words_in_three_languages(db, cohort, word, role):
    rows = [["Bo", "bo@example.se", word, "", "", ""]]
    assert preview(db, cohort, table_of(rows), guess_mapping(HEADER)).rows[0].role == role


@pytest.mark.parametrize(
    ("word", "code"),
    [("svenska", "sv"), ("Norsk", "nb"), ("engelska", "en"), ("sv-SE", "sv"), ("nb_NO", "nb")],
)
def test_language_words(db, cohort, word, code):
    rows = [["Bo", "bo@example.se", "polis", "", "", word]]
    assert preview(db, cohort, table_of(rows), guess_mapping(HEADER)).rows[0].language == code


def errors_of(result):
    return [(error.line, error.field, str(error.message)) for error in result.errors]


def test_every_error_kind_with_its_line(db, app, cohort):
    rows = [
        ["Åsa", "asa@example.se", "polis", "", "", ""],  # line 2: fine
        ["", "nobody@example.se", "polis", "", "", ""],  # 3: no name
        ["Bo", "", "polis", "", "", ""],  # 4: no e-mail
        ["Cia", "not-an-address", "polis", "", "", ""],  # 5: invalid e-mail
        ["Dan", "ASA@Example.se", "polis", "", "", ""],  # 6: duplicate of line 2
        ["Eva", "eva@example.se", "politikr", "", "", ""],  # 7: unknown role, suggestion
        ["Fia", "fia@example.se", "astronaut", "", "", ""],  # 8: unknown role
        ["Gun", "gun@example.se", "", "", "", ""],  # 9: no role
        ["Hus", "hus@example.se", "polis", "", "", "klingon"],  # 10: unknown language
        ["Ida", "ida@example.se", "polis", "", "", "svnska"],  # 11: language suggestion
        ["J" * 201, "j@example.se", "polis", "E" * 201, "P" * 201, ""],  # 12: too long
    ]
    result = preview(db, cohort, table_of(rows), guess_mapping(HEADER))
    assert result.has_errors
    assert result.rows[0].ok
    with app.test_request_context():
        found = errors_of(result)
        first_error = str(result.errors[0])
    assert [(line, name) for line, name, _ in found] == [
        (3, "name"),
        (4, "email"),
        (5, "email"),
        (6, "email"),
        (7, "role"),
        (8, "role"),
        (9, "role"),
        (10, "language"),
        (11, "language"),
        (12, "name"),
        (12, "employer"),
        (12, "place"),
    ]
    messages = dict(((line, name), message) for line, name, message in found)
    assert "not-an-address" in messages[5, "email"]
    assert "line 2" in messages[6, "email"]
    assert "“politiker”" in messages[7, "role"]
    assert "official, politician" in messages[8, "role"]
    assert "klingon" in messages[10, "language"]
    assert "“svenska”" in messages[11, "language"]
    assert "201" in messages[12, "name"] and "200" in messages[12, "name"]
    assert first_error.startswith("Line 3: ")
    # A duplicate is reported once, on the later line; the first one is fine.
    assert result.rows[4].status == RowStatus.NEW


def test_a_default_role_fills_empty_role_cells(db, cohort):
    rows = [["Bo", "bo@example.se", "", "", "", ""]]
    result = preview(
        db, cohort, table_of(rows), guess_mapping(HEADER), default_role=AudienceRole.OTHER
    )
    assert result.rows[0].role == AudienceRole.OTHER and not result.has_errors


def test_a_mapping_without_email_or_name_is_refused(db, cohort):
    table = table_of(nordic_rows())
    with pytest.raises(MappingError):
        preview(db, cohort, table, {**guess_mapping(HEADER), "email": None})
    with pytest.raises(MappingError):
        preview(db, cohort, table, {**guess_mapping(HEADER), "name": None})
    with pytest.raises(MappingError):
        preview(db, cohort, table, {**guess_mapping(HEADER), "role": 0})


def test_unknown_places_can_be_refused_in_the_preview(db, cohort):
    rows = [["Bo", "bo@example.se", "polis", "", "Nowhere", ""]]
    result = preview(db, cohort, table_of(rows), guess_mapping(HEADER), allow_new_places=False)
    assert [(line, name) for line, name, _ in errors_of(result)] == [(2, "place")]


def test_rows_say_what_the_import_will_do(db, cohort):
    enrolled = make_user(db, email="enrolled@example.se")
    make_enrolment(db, cohort, enrolled)
    make_user(db, email="Known@Example.se")
    rows = [
        ["A", "ENROLLED@example.se", "polis", "", "", ""],
        ["B", "known@example.SE", "polis", "", "", ""],
        ["C", "new@example.se", "polis", "", "", ""],
    ]
    result = preview(db, cohort, table_of(rows), guess_mapping(HEADER))
    assert [row.status for row in result.rows] == [
        RowStatus.ALREADY_ENROLLED,
        RowStatus.EXISTING_ACCOUNT,
        RowStatus.NEW,
    ]
    assert result.rows[0].user_id == enrolled.id
    assert result.count(RowStatus.NEW) == 1


def test_preview_runs_as_many_statements_for_10_rows_as_for_10_000(db, cohort, count_queries):
    """One query for places, one per LOOKUP_CHUNK addresses (a whole file): not one per
    row."""
    for n in range(0, 10_000, 7):
        make_user(db, email=f"p{n}@example.se")
    statements = {}
    for size in (10, 10_000):
        rows = [[f"P {n}", f"p{n}@example.se", "polis", "", "Torget", ""] for n in range(size)]
        table = table_of(rows)
        with count_queries() as counter:
            preview(db, cohort, table, guess_mapping(HEADER))
        statements[size] = counter.count
    assert statements[10_000] == statements[10] == 2


# --- import -------------------------------------------------------------------------------


def run_import(db, cohort, rows, header=HEADER, **options):
    table = table_of(rows, header)
    result = preview(db, cohort, table, guess_mapping(header))
    values = {"invited_by_id": None, "create_places": True, "send_invitations": False}
    values.update(options)
    return import_rows(db, cohort, result, **values)


def test_import_creates_accounts_places_and_enrolments(db, app_context, cohort):
    organizer = make_user(db)
    make_place(db, cohort.organisation, name="Möllan")
    other_organisation_place = make_place(db, make_organisation(db), name="Grønland")
    result = run_import(db, cohort, nordic_rows(), invited_by_id=organizer.id)
    assert (result.rows, result.users_created, result.enrolments_created) == (4, 4, 4)
    assert (result.places_created, result.already_enrolled, result.invitations_sent) == (1, 0, 0)
    enrolments = db.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    assert [e.user.name for e in enrolments] == NORDIC
    asa = enrolments[0]
    assert asa.user.email == "asa@example.se"
    assert asa.user.certificate_name == NORDIC[0]
    assert asa.user.locale == "sv" and asa.user.password_hash is None
    assert (asa.role, asa.employer, asa.place.name) == (
        AudienceRole.OFFICIAL,
        "Malmö stad",
        "Möllan",
    )
    new_place = enrolments[1].place
    assert new_place.name == "Grønland"
    assert new_place.organisation_id == cohort.organisation_id
    assert new_place.id != other_organisation_place.id
    assert enrolments[1].user.locale == "nb"
    assert enrolments[2].place_id is None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.completed")).one()
    assert (event.actor_id, event.object_type, event.object_id) == (
        organizer.id,
        "cohort",
        cohort.id,
    )
    assert event.details["users_created"] == 4
    assert event.details["places_created"] == 1
    assert count(db, OutboxMail) == 0


def test_importing_the_same_file_again_changes_nothing(db, app_context, cohort):
    run_import(db, cohort, nordic_rows())
    before = (count(db, User), count(db, Enrolment), count(db, Place))
    again = run_import(db, cohort, nordic_rows())
    assert (count(db, User), count(db, Enrolment), count(db, Place)) == before
    assert (again.already_enrolled, again.enrolments_created, again.users_created) == (4, 0, 0)
    assert again.places_created == 0


def test_an_existing_account_joins_without_its_names_changing(db, app_context, cohort):
    user = make_user(db, email="Asa.Oberg@Example.se", name="Åsa Öberg-Lind")
    user.certificate_name = "Åsa Ö. Lind"
    db.flush()
    rows = [["Someone Else", "asa.oberg@example.SE", "polis", "Polisen", "", "en"]]
    result = run_import(db, cohort, rows)
    assert (result.existing_accounts, result.users_created, result.enrolments_created) == (1, 0, 1)
    db.refresh(user)
    assert (user.name, user.certificate_name, user.email, user.locale) == (
        "Åsa Öberg-Lind",
        "Åsa Ö. Lind",
        "Asa.Oberg@Example.se",
        "en",
    )
    enrolment = db.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    assert (enrolment.role, enrolment.employer) == (AudienceRole.POLICE, "Polisen")


def test_one_bad_row_means_nothing_is_written(db, app_context, cohort):
    rows = [*nordic_rows(), ["Bo", "not-an-address", "polis", "", "Ny plats", ""]]
    before = [count(db, model) for model in (User, Enrolment, Place, AuditEvent)]
    with pytest.raises(ImportRejected) as raised:
        run_import(db, cohort, rows)
    assert [row.line for row in raised.value.rows] == [6]
    assert [count(db, model) for model in (User, Enrolment, Place, AuditEvent)] == before


def test_new_places_need_consent(db, app, cohort):
    before = count(db, Place)
    with pytest.raises(ImportRejected) as raised:
        run_import(db, cohort, nordic_rows(), create_places=False)
    assert [row.line for row in raised.value.rows] == [2, 3]
    with app.test_request_context():
        assert "Grønland" in str(raised.value.rows[1].errors[0].message)
    assert count(db, Place) == before
    assert count(db, Enrolment, Enrolment.cohort_id == cohort.id) == 0


def test_place_names_match_in_any_case_and_are_created_once(db, app_context, cohort):
    make_place(db, cohort.organisation, name="Stortorget")
    rows = [
        ["A", "a@example.se", "polis", "", "STORTORGET", ""],
        ["B", "b@example.se", "polis", "", "Nya Torget", ""],
        ["C", "c@example.se", "polis", "", "nya torget", ""],
    ]
    result = run_import(db, cohort, rows)
    assert result.places_created == 1
    names = db.scalars(
        select(Place.name)
        .where(Place.organisation_id == cohort.organisation_id)
        .order_by(Place.name)
    ).all()
    assert names == ["Nya Torget", "Stortorget"]
    places = db.scalars(
        select(Enrolment.place_id).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)
    ).all()
    assert places[1] == places[2] != places[0]


def test_invitations_are_queued_when_asked(db, app_context, cohort):
    enrolled = make_user(db, email="enrolled@example.se")
    make_enrolment(db, cohort, enrolled)
    rows = [*nordic_rows(), ["X", "enrolled@example.se", "polis", "", "", ""]]
    result = run_import(db, cohort, rows, send_invitations=True)
    assert result.invitations_sent == 4
    mails = db.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert [mail.to_address for mail in mails] == [
        "asa@example.se",
        "aerlend@example.no",
        "marta@example.se",
        "oystein@example.no",
    ]
    assert "http://academy.test/invite/" in mails[0].body_text
    assert NORDIC[0] in mails[0].body_text
    invitations = db.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [invitation.locale for invitation in invitations] == ["sv", "nb", "sv", "nb"]
    # Each invitation carries the mail that has its link, and nothing else does.
    for invitation, mail in zip(invitations, mails, strict=True):
        assert (invitation.mail_id, mail.kind, mail.to_address) == (
            mail.id,
            "invitation",
            invitation.email,
        )
        token = re.search(r"/invite/([\w-]+)", mail.body_text).group(1)
        assert invitation.token_hash == token_hash(token)
        assert invitation.enrolment.user.email == invitation.email
        assert invitation.sent_at is not None and invitation.expires_at > invitation.created_at
    # One event for the import, which counts the invitations; none for each.
    assert count(db, AuditEvent, AuditEvent.action == "invitation.created") == 0
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.completed")).one()
    assert event.details["invitations_sent"] == 4


def test_an_existing_account_is_invited_in_its_own_language_unless_the_row_says(
    db, app_context, cohort
):
    make_user(db, email="eng@example.se", locale="en")
    make_user(db, email="nor@example.se", locale="en")
    rows = [
        ["A", "eng@example.se", "polis", "", "", ""],
        ["B", "nor@example.se", "polis", "", "", "nb"],
    ]
    run_import(db, cohort, rows, send_invitations=True)
    invitations = db.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [invitation.locale for invitation in invitations] == ["en", "nb"]


def test_a_stale_preview_does_not_create_an_account_twice(db, app_context, cohort):
    table = table_of(nordic_rows())
    stale = preview(db, cohort, table, guess_mapping(HEADER))
    make_user(db, email="ASA@example.se", name="Already here")
    result = import_rows(
        db, cohort, stale, invited_by_id=None, create_places=True, send_invitations=False
    )
    assert (result.users_created, result.existing_accounts) == (3, 1)


def test_an_xlsx_imports_end_to_end(db, app_context, cohort):
    data = xlsx_bytes([["Navn", "E-postadresse", "Rolle"], [NORDIC[3], "o@example.no", "politi"]])
    table = read_table(data, "deltakere.xlsx")
    mapping = guess_mapping(table.headers)
    result = import_rows(
        db,
        cohort,
        preview(db, cohort, table, mapping),
        invited_by_id=None,
        create_places=False,
        send_invitations=False,
    )
    assert result.enrolments_created == 1
    user = db.scalars(select(User).where(User.email_normalized == "o@example.no")).one()
    assert user.name == NORDIC[3]


@pytest.mark.parametrize(
    "address",
    [
        "asa.oberg@malmo.se",
        "Asa.Oberg@Malmo.SE",
        "a+tag@sub.example.co.uk",
        "Postmaster@example.se",  # a mailbox email_validator writes in lower case
        "x@xn--mller-kva.example",  # a domain in IDNA ASCII, shown in Unicode
        "åsa@malmö.se",
        "a..b@example.se",
        ".a@example.se",
        "a@b@example.se",
        '"a b"@example.se',
        "a@localhost",
        "a@example",
        "a@-example.se",
        "a@[127.0.0.1]",
        "Åsa <asa@example.se>",
        "a" * 64 + "@example.se",
        "a" * 65 + "@example.se",
        "a@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 58 + ".se",
        "a" * 60 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 60 + ".se",
        "",
        "@example.se",
        "a@",
    ],
)
def test_addresses_are_normalised_as_email_validator_does(address):
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    try:
        found = normalized_email(address)
    except EmailNotValidError:
        found = None
    assert found == expected
