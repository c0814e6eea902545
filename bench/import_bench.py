"""``python -m bench.import_bench``: importing a 10,000-row participant list within 3 seconds.

Writes a semicolon-separated CSV in Windows-1252 (as Swedish Excel saves one) with Å Ä Ö
Æ Ø in the names and imports it into a fresh SQLite database migrated with Alembic, in
three cases, each on a database of its own:

- through the service without invitations, and with them: ``read_table``, ``preview``,
  ``import_rows`` and the commit, each timed;
- through the view, with invitations: the POST that confirms the import (the upload read
  back, the preview, the import, the commit and the redirect) as the organizer's browser
  sends it, through the Flask test client; then, apart, the round page it redirects to.

A tenth of the addresses already have accounts and a fiftieth are already enrolled, so
every kind of row is there. ``--attacks`` also times how soon reading each spreadsheet of
``bench.import_attacks`` stops (target: under a second each). Exits 1 when a case is over
its target.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from academy.db import get_engine
from academy.models import (
    AudienceRole,
    Cohort,
    Enrolment,
    OutboxMail,
    User,
)
from academy.services import importing
from bench import ROOT
from bench.command import exit_status
from bench.database import count_rows, insert_rows, sqlite_database
from bench.filling import ORGANIZER_EMAIL, insert_organisation, person_name, user_row
from bench.inprocess import academy_app, csrf_token, logged_in_client
from bench.machine import load_average
from bench.measure import timed_with_cpu, verdict

TARGET_SECONDS = 3.0
ATTACK_TARGET_SECONDS = 1.0
ROLES = ["Tjänsteperson", "politiker", "Fastighetsägare", "gårdeier", "handlare", "Polis"]
PLACES = ["Möllan", "Grønland", "Stortorget", "Centrum", "Hamnen", ""]
LANGUAGES = ["sv", "svenska", "nb", "norsk", "en", ""]
# The round page the import redirects to needs a course; the test course will do.
COURSES_DIR = ROOT / "tests" / "data" / "courses" / "valid"
COURSE = "safer-streets"


def make_csv(rows: int) -> bytes:
    lines = ["Namn;E-post;Roll;Arbetsgivare;Plats;Språk"]
    for n in range(rows):
        lines.append(
            ";".join(
                [
                    person_name(n),
                    email(n),
                    ROLES[n % len(ROLES)],
                    f"Kommun {n % 40}",
                    PLACES[n % len(PLACES)],
                    LANGUAGES[n % len(LANGUAGES)],
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def email(n: int) -> str:
    return f"Deltagare.{n}@Kommun{n % 40}.example.se"


def arrange(session: Session, rows: int) -> tuple[int, int]:
    """An organisation with two of the places and an organizer, a cohort, and some of the
    accounts and enrolments; returns the cohort's and the organizer's ids."""
    organisation = insert_organisation(
        session, name="Bench kommun", places=("Möllan", "Centrum"), locale="sv"
    )
    [cohort_id] = insert_rows(
        session,
        Cohort,
        [{"organisation_id": organisation.id, "course_slug": COURSE, "name": "Bench round"}],
    )
    user_ids = insert_rows(
        session,
        User,
        [
            user_row(email(n).lower(), f"Existing {n}", None, locale="sv")
            for n in range(0, rows, 10)
        ],
    )
    insert_rows(
        session,
        Enrolment,
        [
            {"cohort_id": cohort_id, "user_id": user_id, "role": AudienceRole.OTHER}
            for user_id in user_ids[::5]
        ],
    )
    return cohort_id, organisation.organizer_id


@dataclass
class Case:
    """Steps timed as wall-clock seconds (what the target is about) and the CPU seconds
    this process spent meanwhile (which other work on the machine does not inflate)."""

    name: str
    steps: list[tuple[str, float, float]] = field(default_factory=list)
    target: float = TARGET_SECONDS
    counted: str = ""
    apart: list[tuple[str, float, float]] = field(default_factory=list)  # not in the total

    @property
    def total(self) -> float:
        return sum(seconds for _step, seconds, _cpu in self.steps)

    @property
    def total_cpu(self) -> float:
        return sum(cpu for _step, _seconds, cpu in self.steps)

    def time(self, step: str, work: Callable[[], object], *, apart: bool = False) -> object:
        answer, seconds, cpu = timed_with_cpu(work)
        (self.apart if apart else self.steps).append((step, seconds, cpu))
        return answer


def service_case(data: bytes, rows: int, directory: Path, *, invitations: bool) -> Case:
    case = Case(f"service, {'with' if invitations else 'without'} invitations")
    url = sqlite_database(directory, f"service-{invitations}")
    # Invitations render mails and build links: they need the application's context.
    with academy_app(url, COURSES_DIR) as app:
        engine = get_engine(app)
        with Session(engine) as session:
            cohort_id, organizer_id = arrange(session, rows)
            session.commit()
        with app.app_context(), Session(engine) as session:
            cohort = session.get_one(Cohort, cohort_id)
            table = case.time("read_table", lambda: importing.read_table(data, "deltagare.csv"))
            checked = case.time(
                "preview",
                lambda: importing.preview(
                    session, cohort, table, importing.guess_mapping(table.headers)
                ),
            )
            if checked.has_errors:
                raise SystemExit(f"unexpected errors: {[str(e) for e in checked.errors[:5]]}")
            result = case.time(
                "import_rows",
                lambda: importing.import_rows(
                    session,
                    cohort,
                    checked,
                    invited_by_id=organizer_id,
                    create_places=True,
                    send_invitations=invitations,
                ),
            )
            case.time("commit", session.commit)
            case.counted = (
                f"{result.users_created:,} accounts created, {result.existing_accounts:,} "
                f"existing accounts enrolled, {result.already_enrolled:,} already enrolled, "
                f"{result.places_created} places created, {result.invitations_sent:,} "
                f"invitations; {count_rows(session, Enrolment):,} enrolled, "
                f"{count_rows(session, OutboxMail):,} mails in the outbox"
            )
    return case


def view_case(data: bytes, rows: int, directory: Path) -> Case:
    """The organizer's confirming POST, with invitations, through the Flask test client."""
    case = Case("view, with invitations: the confirming POST")
    url = sqlite_database(directory, "view")
    with academy_app(url, COURSES_DIR) as app:
        app.instance_path = str(directory / "instance")
        with Session(get_engine(app)) as session:
            cohort_id, _organizer_id = arrange(session, rows)
            session.commit()
        client = logged_in_client(app, ORGANIZER_EMAIL)
        upload_path = f"/organize/cohorts/{cohort_id}/import"
        token = csrf_token(client.get(upload_path).text)
        uploaded = client.post(
            upload_path,
            data={"csrf_token": token, "file": (io.BytesIO(data), "deltagare.csv")},
            content_type="multipart/form-data",
        )
        review = uploaded.headers["Location"]
        page = client.get(review).text  # what the organizer reads before confirming
        form = {
            name: value
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page
            )
        }
        form.update({"csrf_token": csrf_token(page), "create_places": "y"})
        form["send_invitations"] = "y"
        confirmed = case.time("POST (confirm)", lambda: client.post(review, data=form))
        location = confirmed.headers.get("Location", "")
        if confirmed.status_code != 302 or not location.endswith(f"/cohorts/{cohort_id}"):
            raise SystemExit(f"the import was not confirmed: {confirmed.status_code}")
        answer = case.time("GET round page", lambda: client.get(location), apart=True)
        size = f"the round page it redirects to: {len(answer.data) / 1e6:.1f} MB; "
        with Session(get_engine(app)) as session:
            case.counted = size + (
                f"{count_rows(session, Enrolment):,} enrolled, "
                f"{count_rows(session, OutboxMail):,} mails in the outbox"
            )
    return case


def attack_cases() -> list[Case]:
    from bench.import_attacks import ATTACKS

    cases = []
    for attack in ATTACKS:
        data = attack.make()
        case = Case(f"attack: {attack.name}", target=ATTACK_TARGET_SECONDS)

        def read(data: bytes = data, filename: str = attack.filename) -> str:
            try:
                importing.read_table(data, filename)
            except importing.ImportFileError as error:
                return error.code
            return "accepted"

        code = case.time("read_table", read)
        case.counted = f"{len(data):,} bytes, stopped: {code}"
        cases.append(case)
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--attacks", action="store_true", help="time the attack files too")
    args = parser.parse_args(argv)
    return exit_status("import benchmark", lambda: run(args))


def run(args: argparse.Namespace) -> int:
    data = make_csv(args.rows)
    with tempfile.TemporaryDirectory(prefix="academy-import-bench-") as folder:
        directory = Path(folder)
        cases = [
            service_case(data, args.rows, directory, invitations=False),
            service_case(data, args.rows, directory, invitations=True),
            view_case(data, args.rows, directory),
        ]
    if args.attacks:
        cases += attack_cases()

    print(
        f"Import of {args.rows:,} rows ({len(data):,} bytes, Windows-1252, ';') into a fresh "
        "SQLite database"
    )
    print(f"wall-clock seconds (CPU seconds of this process); load average {load_average()}")
    failed = False
    for case in cases:
        print(f"\n{case.name}")
        for step, seconds, cpu in case.steps:
            print(f"  {step:<16} {seconds:6.3f} s ({cpu:.3f})")
        over = case.total > case.target
        failed |= over
        print(
            f"  {'total':<16} {case.total:6.3f} s ({case.total_cpu:.3f})   "
            f"target {case.target:.1f} s: {verdict(not over)}"
        )
        for step, seconds, cpu in case.apart:
            print(f"  {step:<16} {seconds:6.3f} s ({cpu:.3f})   not in the total")
        print(f"  {case.counted}")
    print("\nFAIL: over a target" if failed else "\nOK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
