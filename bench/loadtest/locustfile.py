"""Participants and organizers of Academy, for locust.

Run through ``python -m bench.loadtest``, which builds the database, starts gunicorn and
writes the plan this file reads (``ACADEMY_LOAD_PLAN``: accounts, ids, the course's slugs
and right answers), so nothing here imports the application.

Every simulated person is a browser behind the TLS-terminating reverse proxy of a
production installation: each request carries ``X-Forwarded-Proto: https`` and an
``X-Forwarded-For`` address of its own (the app trusts one proxy, ``PROXY_FIX=1``), and
every form is posted with the same-origin ``Referer`` that Flask-WTF insists on over
HTTPS. The session cookie is ``Secure``: the cookie jar sends it to 127.0.0.1 over plain
HTTP, as browsers do for loopback addresses, standing in for the proxy's TLS.

Each request is checked: its status (redirects are not followed, so that each is measured
and its ``Location`` checked on its own) and what the page must contain; anything else is
a failure, so that a fast error page cannot pass for a fast page. Requests are named by
their route, ids and slugs replaced by ``[...]``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import secrets
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
import pyotp
from locust import FastHttpUser, between, task

_plan_path = os.environ.get("ACADEMY_LOAD_PLAN")
if not _plan_path:
    raise RuntimeError(
        "ACADEMY_LOAD_PLAN is not set: run the load test with `python -m bench.loadtest`, "
        "which builds the database and writes the plan this locustfile reads"
    )
PLAN: dict[str, Any] = json.loads(Path(_plan_path).read_text())
PARTICIPANTS: list[dict[str, Any]] = PLAN["participants"]
ORGANIZERS: list[dict[str, Any]] = PLAN["organizers"]
PARTS: list[dict[str, Any]] = PLAN["course"]["parts"]
PASSWORD: str = PLAN["password"]
WAIT = PLAN.get("wait", {"participant": [1, 5], "organizer": [2, 6], "reading": [1, 3]})
# Handed out in order as the users start; with more users than accounts they are shared
# (and then never log out, which would end the other user's session too).
_participant_numbers = itertools.count()
_organizer_numbers = itertools.count()
_addresses = itertools.count(1)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# The first CSRF token of a page (every form of a session carries the same one): a regular
# expression, cheaper than parsing each page, so that locust keeps its CPU for the load.
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str | None) -> str | None:
    match = CSRF_TOKEN.search(html or "")
    return match.group(1) if match else None


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """The standard policy, but ``Secure`` cookies also go to a loopback address over plain
    HTTP (browsers count http://127.0.0.1 as a potentially trustworthy origin)."""

    def return_ok_secure(self, cookie: Cookie, request) -> bool:
        if urlsplit(request.get_full_url()).hostname in ("127.0.0.1", "localhost", "::1"):
            return True
        return super().return_ok_secure(cookie, request)


class Forms(HTMLParser):
    """The forms of a page: action, method and their fields as (type, name, value, checked)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self._form = {
                "action": values.get("action") or "",
                "method": (values.get("method") or "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and values.get("name"):
            self._form["fields"].append(
                (
                    (values.get("type") or "text").lower(),
                    values["name"],
                    values.get("value") or "",
                    "checked" in values,
                )
            )
        elif tag == "select":
            self._select, self._options = values.get("name"), []
        elif tag == "option" and self._select is not None:
            self._options.append((values.get("value") or "", "selected" in values))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = next((value for value, selected in self._options if selected), None)
            if chosen is None and self._options:
                chosen = self._options[0][0]
            self._form["fields"].append(("select", self._select, chosen or "", True))
            self._select = None

    def post_form(self, action: str = "") -> dict[str, Any] | None:
        """The first POST form whose action is ``action`` (empty: the page itself), or that
        starts with it when ``action`` is not empty."""
        for form in self.forms:
            if form["method"] != "post":
                continue
            if (action and form["action"].startswith(action)) or form["action"] == action:
                return form
        return None


def values_of(form: dict[str, Any]) -> list[tuple[str, str]]:
    """What a browser sends for the form: every hidden or text field, checked boxes, selects."""
    sent = []
    for type_, name, value, checked in form["fields"]:
        if type_ in ("checkbox", "radio") and not checked:
            continue
        if type_ in ("submit", "button", "file"):
            continue
        sent.append((name, value))
    return sent


class AcademyUser(FastHttpUser):
    abstract = True
    # One connection at a time, like a browser tab.
    concurrency = 1

    def __init__(self, environment) -> None:
        super().__init__(environment)
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        number = next(_addresses)
        # A client address of its own, as the proxy reports it.
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        self.email = ""
        # The secret of the authenticator app of staff, who give its code after the password.
        self.totp: str | None = None
        self.shared = False
        self.page_token: str | None = None

    # --- requests ---------------------------------------------------------------------

    def _headers(self, referer: str | None = None, extra: dict | None = None) -> dict:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}
        if referer is not None:
            host = urlsplit(self.host).netloc
            headers["Referer"] = f"https://{host}{referer}"
        if extra:
            headers.update(extra)
        return headers

    def fetch(
        self,
        path: str,
        name: str,
        *,
        expect: int = 200,
        contains: str | bytes | None = None,
        content_type: str | None = None,
    ):
        """GET ``path``; the response when it has the status (and content) expected, else
        None (and the request is a failure)."""
        with self.client.get(
            path,
            name=name,
            headers=self._headers(),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            problem = _problem(response, expect, contains, content_type)
            if problem:
                response.failure(problem)
                return None
            response.success()
            if expect == 200 and (response.headers.get("Content-Type") or "").startswith(
                "text/html"
            ):
                self.page_token = csrf_token(response.text) or self.page_token
            return response

    def submit(
        self,
        path: str,
        name: str,
        data: list[tuple[str, str]] | bytes,
        *,
        referer: str,
        expect: int = 302,
        location: str | re.Pattern[str] | None = None,
        content_type: str | None = None,
        headers: dict | None = None,
        contains: str | bytes | None = None,
    ):
        """POST ``data`` (form fields, or a ready body with its ``headers``) to ``path`` as
        the form of page ``referer``; the response, or None when it is not as expected."""
        body = data if isinstance(data, bytes) else urlencode(data).encode()
        with self.client.post(
            path,
            name=name,
            data=body,
            headers=self._headers(referer, headers or FORM),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            problem = _problem(response, expect, contains, content_type)
            if problem is None and location is not None:
                target = urlsplit(response.headers.get("Location") or "").path
                matches = (
                    location.fullmatch(target)
                    if isinstance(location, re.Pattern)
                    else target == location
                )
                if not matches:
                    wanted = getattr(location, "pattern", location)
                    problem = f"redirected to {target!r}, expected {wanted!r}"
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response

    # --- logging in and out -------------------------------------------------------------

    def log_in(self) -> bool:
        page = self.fetch("/login", "/login", contains='name="csrf_token"')
        if page is None:
            return False
        token = csrf_token(page.text) or ""
        done = self.submit(
            "/login",
            "/login",
            [("csrf_token", token), ("next", ""), ("email", self.email), ("password", PASSWORD)],
            referer="/login",
            location="/login/code" if self.totp else "/",
        )
        if done is None:
            return False
        if self.totp and not self.second_step():
            return False
        return self.fetch("/", "/", contains='action="/logout"') is not None

    def second_step(self) -> bool:
        """Staff: the code of their authenticator app after the password."""
        page = self.fetch("/login/code", "/login/code", contains='name="code"')
        if page is None:
            return False
        token = csrf_token(page.text) or ""
        code = totp_code(self.email, self.totp or "")
        done = self.submit(
            "/login/code",
            "/login/code",
            [("csrf_token", token), ("code", code)],
            referer="/login/code",
            location="/",
        )
        return done is not None

    def log_out_and_in(self) -> None:
        if self.shared or not self.page_token:
            return
        if self.submit(
            "/logout",
            "/logout",
            [("csrf_token", self.page_token)],
            referer="/",
            location="/login",
        ):
            self.page_token = None
            self.log_in()

    def pause(self, key: str) -> None:
        low, high = WAIT[key]
        gevent.sleep(random.uniform(low, high))


# The time step of the last code each account gave: the app accepts a code only for a step
# later than the last one accepted, and one step early at most.
_last_steps: dict[str, int] = {}


def totp_code(email: str, secret: str) -> str:
    """The authenticator app's code for the next sign-in of ``email``: the current step's,
    or the next step's when the current one was used (``python -m bench.loadtest``'s warm-up
    signs the first organizer in just before), waiting for the step after when both were."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(UTC))
    step = max(current, _last_steps.get(email, current) + 1)
    if step > current + 1:
        gevent.sleep(totp.interval - time.time() % totp.interval + 0.5)
    _last_steps[email] = step
    return totp.generate_otp(step)


def _problem(response, expect: int, contains, content_type) -> str | None:
    if response.status_code != expect:
        where = response.headers.get("Location") if response.headers else None
        return f"HTTP {response.status_code} (expected {expect})" + (
            f" to {where}" if where else ""
        )
    if content_type is not None:
        actual = response.headers.get("Content-Type") or ""
        if not actual.startswith(content_type):
            return f"Content-Type {actual!r}, expected {content_type!r}"
    if contains is not None:
        body = response.content if isinstance(contains, bytes) else response.text
        if not body or contains not in body:
            return f"the answer lacks {contains!r}"
    return None


LESSON_PATH = re.compile(r"/learn/(\d+)/([\w-]+)/([\w-]+)")
QUIZ_PATH = re.compile(r"/learn/(\d+)/([\w-]+)/quiz")
QUIZ_RESULT_PATH = re.compile(r"/learn/\d+/[\w-]+/quiz/\d+")
ASSIGNMENT_PATH = re.compile(r"/learn/(\d+)/([\w-]+)/assignment")
# Where marking a lesson done may lead: the next lesson, the quiz, the assignment, the course.
NEXT_STEP = re.compile(r"/learn/\d+/([\w-]+/[\w-]+)?/?")


class Participant(AcademyUser):
    """Reads the course where they left it, marks lessons done, takes quizzes (now and
    then with a wrong answer or failed), looks at the dashboard and course page, downloads
    their certificate and Open Badge when they hold one, and sometimes logs out and in."""

    weight = int(os.environ.get("ACADEMY_LOAD_PARTICIPANT_WEIGHT", "50"))
    wait_time = between(*WAIT["participant"])

    def on_start(self) -> None:
        number = next(_participant_numbers)
        person = PARTICIPANTS[number % len(PARTICIPANTS)]
        self.shared = number >= len(PARTICIPANTS)
        self.email = person["email"]
        self.enrolment = person["enrolment"]
        self.certificate = person.get("certificate")
        self.base = f"/learn/{self.enrolment}"
        self.log_in()

    @task(4)
    def dashboard(self) -> None:
        self.fetch("/learn/", "/learn/", contains=f'href="{self.base}/')

    @task(2)
    def course_page(self) -> None:
        self.fetch(f"{self.base}/", "/learn/[enrolment]/", contains="<h1")

    @task(8)
    def carry_on(self) -> None:
        """The "Continue" button: wherever the course says is next."""
        response = self.fetch(f"{self.base}/continue", "/learn/[enrolment]/continue", expect=302)
        if response is None:
            return
        target = urlsplit(response.headers.get("Location") or "").path
        if match := QUIZ_PATH.fullmatch(target):
            self.take_quiz(match.group(2))
        elif match := ASSIGNMENT_PATH.fullmatch(target):
            # Writing an assignment takes days; look at it, then read something again.
            self.fetch(target, "/learn/[enrolment]/[part]/assignment", contains="<form")
            self.read_again()
        elif match := LESSON_PATH.fullmatch(target):
            self.read(match.group(2), match.group(3))
        else:
            self.fetch(target, "/learn/[enrolment]/", contains="<h1")
            self.read_again()

    @task(2)
    def read_again(self) -> None:
        part = random.choice(PARTS)
        self.read(part["slug"], random.choice(part["lessons"]))

    @task(2)
    def retake_quiz(self) -> None:
        self.take_quiz(random.choice([part for part in PARTS if part["quiz"]])["slug"])

    @task(3)
    def certificate_downloads(self) -> None:
        if self.certificate is None:
            self.dashboard()
            return
        base = f"/certificates/{self.certificate}"
        self.fetch(
            f"{base}/certificate.pdf",
            "/certificates/[id]/certificate.pdf",
            contains=b"%PDF-",
            content_type="application/pdf",
        )
        badge = self.fetch(f"{base}/open-badge.jwt", "/certificates/[id]/open-badge.jwt")
        if badge is not None and badge.text.count(".") != 2:
            # Counted as passed already; a broken badge is reported as an extra failure.
            self.environment.events.request.fire(
                request_type="CHECK",
                name="/certificates/[id]/open-badge.jwt is a JWS",
                response_time=0,
                response_length=0,
                exception=AssertionError("the Open Badge is not a compact JWS"),
                context={},
            )

    @task(1)
    def relog(self) -> None:
        self.log_out_and_in()

    # --- flows --------------------------------------------------------------------------

    def read(self, part: str, lesson: str) -> None:
        path = f"{self.base}/{part}/{lesson}"
        name = "/learn/[enrolment]/[part]/[lesson]"
        page = self.fetch(path, name, contains='class="lesson-done"')
        if page is None:
            return
        token = csrf_token(page.text) or ""
        self.pause("reading")
        self.submit(path, name, [("csrf_token", token)], referer=path, location=NEXT_STEP)

    def take_quiz(self, part: str) -> None:
        path = f"{self.base}/{part}/quiz"
        name = "/learn/[enrolment]/[part]/quiz"
        page = self.fetch(path, name, contains='name="nonce"')
        if page is None:
            return
        form = Forms(page.text).post_form("")
        if form is None:
            return
        answers = dict(PLAN_QUIZZES[part])
        chance = random.random()
        wrong = 0 if chance < 0.75 else 1 if chance < 0.9 else 4
        for item in random.sample(sorted(answers), wrong):
            answers[item] = {"right": [], "wrong": answers[item]["wrong"]}
        sent = [
            (name_, value)
            for type_, name_, value, _checked in form["fields"]
            if type_ == "hidden" and name_ in ("csrf_token", "nonce")
        ]
        for item in sorted(
            {name_ for _t, name_, _v, _c in form["fields"] if name_.startswith("item_")}
        ):
            choices = answers[item.removeprefix("item_")]
            sent.append((item, random.choice(choices["right"] or choices["wrong"])))
        self.pause("reading")
        done = self.submit(path, name, sent, referer=path, location=QUIZ_RESULT_PATH)
        if done is not None:
            self.fetch(
                urlsplit(done.headers["Location"]).path,
                "/learn/[enrolment]/[part]/quiz/[attempt]",
                contains="<h1",
            )


PLAN_QUIZZES = {part["slug"]: part["quiz"] for part in PARTS if part["quiz"]}
COHORTS = PLAN["cohorts"]
REPORT_PAGE_SIZE = 50


class Organizer(AcademyUser):
    """Looks at the round's page, reads the report of the large round page by page with and
    without filters, exports it as CSV, and imports a few participants from a CSV file
    through the upload, review and confirm steps."""

    weight = int(os.environ.get("ACADEMY_LOAD_ORGANIZER_WEIGHT", "2"))
    wait_time = between(*WAIT["organizer"])

    def on_start(self) -> None:
        number = next(_organizer_numbers)
        self.shared = number >= len(ORGANIZERS)
        account = ORGANIZERS[number % len(ORGANIZERS)]
        self.email = account["email"]
        self.totp = account["totp"]
        self.tag = f"o{number}-{secrets.token_hex(3)}"
        self.imports = itertools.count(1)
        self.export_form: tuple[str, str, str] | None = None
        self.log_in()

    @task(3)
    def cohort_page(self) -> None:
        self.fetch(
            f"/organize/cohorts/{COHORTS['load']}",
            "/organize/cohorts/[load round]",
            contains="<table",
        )

    @task(6)
    def report(self) -> None:
        which = "report" if random.random() < 0.7 else "load"
        cohort = COHORTS[which]
        query: dict[str, Any] = {}
        kind = random.choice(("role", "place", "status", None, None))
        if kind == "role":
            query["role"] = random.choice(PLAN["roles"])
        elif kind == "place":
            query["place"] = random.choice(PLAN["places"])
        elif kind == "status":
            query["status"] = random.choice(("active", "completed", "invited"))
        size = PLAN["cohort_sizes"][which]
        pages = max(1, -(-size // REPORT_PAGE_SIZE))
        # Filtered, the first page or two; otherwise anywhere in the round.
        page = random.randint(1, min(2, pages) if query else pages)
        if page > 1:
            query["page"] = page
        path = f"/organize/cohorts/{cohort}/report"
        label = "report round" if which == "report" else "load round"
        name = f"/organize/cohorts/[{label}]/report" + ("?filtered" if kind else "")
        response = self.fetch(
            path + (f"?{urlencode(query)}" if query else ""), name, contains="<svg"
        )
        if response is not None:
            form = Forms(response.text).post_form(f"/organize/cohorts/{cohort}/report/export")
            if form is not None:
                self.export_form = (form["action"], csrf_token(response.text) or "", path)

    @task(1)
    def export(self) -> None:
        if self.export_form is None:
            self.report()
        if self.export_form is None:
            return
        action, token, referer = self.export_form
        self.submit(
            action,
            "/organize/cohorts/[id]/report/export",
            [("csrf_token", token), ("format", "csv")],
            referer=referer,
            expect=200,
            content_type="text/csv",
        )

    @task(1)
    def import_participants(self) -> None:
        cohort = COHORTS["load"]
        upload_path = f"/organize/cohorts/{cohort}/import"
        page = self.fetch(upload_path, "/organize/cohorts/[id]/import", contains='type="file"')
        if page is None:
            return
        token = csrf_token(page.text) or ""
        batch = next(self.imports)
        rows = ["Name,E-mail,Role,Employer,Place,Language"]
        for row in range(5):
            rows.append(
                f"Åsa Næss {self.tag} {batch}-{row},"
                f"import-{self.tag}-{batch}-{row}@example.org,"
                f"{random.choice(PLAN['roles'])},Bench Municipality,"
                f"{random.choice(PLAN['place_names'])},{random.choice(('en', 'sv', 'nb'))}"
            )
        body, content_type = multipart(
            [("csrf_token", token)],
            ("file", "participants.csv", "text/csv", ("\r\n".join(rows) + "\r\n").encode()),
        )
        uploaded = self.submit(
            upload_path,
            "/organize/cohorts/[id]/import",
            body,
            referer=upload_path,
            headers={"Content-Type": content_type},
            location=re.compile(rf"/organize/cohorts/{cohort}/import/[\w-]+"),
        )
        if uploaded is None:
            return
        review_path = urlsplit(uploaded.headers["Location"]).path
        review = self.fetch(
            review_path,
            "/organize/cohorts/[id]/import/[key]",
            contains="Enrol 5 participants and send 5 invitations",
        )
        if review is None:
            return
        form = Forms(review.text).post_form("")
        if form is None:
            return
        self.pause("reading")
        self.submit(
            review_path,
            "/organize/cohorts/[id]/import/[key]",
            # The button that was pressed: enrol and send the invitations.
            [*values_of(form), ("send_invitations", "y")],
            referer=review_path,
            location=f"/organize/cohorts/{cohort}",
        )

    @task(1)
    def relog(self) -> None:
        self.log_out_and_in()


def multipart(
    fields: list[tuple[str, str]], upload: tuple[str, str, str, bytes]
) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and one file (name, filename, type, data)."""
    boundary = "academy-load-" + secrets.token_hex(12)
    chunks = []
    for name, value in fields:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    name, filename, media_type, data = upload
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: {media_type}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
