from __future__ import annotations

import zipfile
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...content import get_course
from ...db import get_session
from ...extensions import client_address, limiter
from ...models import Certificate, CertificateStatus, Enrolment, User
from ...services import audit, badges, certificates
from ...zipstream import Chunks
from ..downloads import (
    download,
    file_name,
    local_day,
    local_today,
    slug,
    streamed_download,
)
from ..forms import require_button_form
from ..organize.access import load_cohort, load_enrolment, organisation_ids, organizer_required
from .forms import CorrectNameForm, NameCheckForm, RevokeForm, VerifyForm

bp = Blueprint("certificates", __name__)


@bp.after_app_request
def render_new_certificates(response: Response) -> Response:
    """Render the PDFs of certificates issued by this request's commit, after it."""
    session = g.get("db_session")
    if session is not None:
        certificates.render_pending(session)
    return response


def _verify_limit() -> str:
    return current_app.config["VERIFY_LIMIT"]


def _name_check_limit() -> str:
    return current_app.config["VERIFY_NAME_LIMIT"]


def _noindex(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- public verification ------------------------------------------------------------------


@bp.get("/verify")
@limiter.limit(_verify_limit, key_func=lambda: "verify:" + client_address())
def verify():
    form = VerifyForm(request.args)
    if "code" in request.args and form.validate():
        code = certificates.parse_code(form.code.data)
        if code is not None:
            return redirect(url_for(".verify_code", code=certificates.format_code(code)))
        form.code.errors.append(
            _("That is not a certificate code: it has 20 letters and digits, like the example.")
        )
    return _noindex(Response(render_template("certificates/verify_form.html", form=form)))


@bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(_verify_limit, key_func=lambda: "verify:" + client_address())
@limiter.limit(
    _name_check_limit, key_func=lambda: "verify-name:" + client_address(), methods=["POST"]
)
def verify_code(code: str):
    plain = certificates.parse_code(code)
    verification = (
        certificates.verify(get_session(), plain) if plain else certificates.Verification(None)
    )
    certificate = verification.certificate
    form = NameCheckForm()
    name_matches = None
    if certificate is not None and form.validate_on_submit():
        name_matches = certificates.name_matches(certificate, form.name.data)
    course = get_course(certificate.course_slug) if certificate else None
    body = render_template(
        "certificates/verify.html",
        code=certificates.format_code(plain) if plain else code[:40],
        verification=verification,
        certificate=certificate,
        course=course,
        form=form,
        name_matches=name_matches,
        current_code=(
            certificates.format_code(verification.current_code)
            if verification.current_code
            else None
        ),
    )
    return _noindex(Response(body, status=404 if certificate is None else 200))


# --- downloads for the holder, the organizers and administrators --------------------------


def load_certificate(certificate_id: int, *, holder_only: bool = False) -> Certificate:
    """A certificate the current user may see: their own, or (unless ``holder_only``) one
    of a round of an organisation they organize; anything else is 404."""
    certificate = get_session().get(Certificate, certificate_id)
    enrolment = certificate.enrolment if certificate else None
    if enrolment is None:
        abort(404)
    if enrolment.user_id == current_user.id:
        return certificate
    allowed = organisation_ids()
    if holder_only or not (allowed is None or enrolment.cohort.organisation_id in allowed):
        abort(404)
    return certificate


@bp.get("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def download_pdf(certificate_id: int):
    certificate = load_certificate(certificate_id)
    # The one GET that may write: a PDF whose render failed after the issue is rendered
    # and stored by its first download (tests/test_certificates.py names it).
    pdf = certificates.stored_pdf(get_session(), certificate)
    return download(
        pdf,
        name=_file_name(certificate, "pdf"),
        mimetype="application/pdf",
        cache_control="private, no-store",
    )


@bp.get("/certificates/<int:certificate_id>/open-badge.jwt")
@login_required
def download_badge(certificate_id: int):
    certificate = load_certificate(certificate_id)
    course = get_course(certificate.course_slug)
    if course is None:
        abort(404)
    try:
        token = badges.credential_jwt(certificate, course)
    except badges.CredentialUnavailableError:  # revoked or superseded
        abort(404)
    return download(
        token,
        name=_file_name(certificate, "jwt"),
        mimetype=badges.JWT_MEDIA_TYPE,
        cache_control="private, no-store",
    )


def _file_name(certificate: Certificate, extension: str) -> str:
    # The holder's name, the course and the day it was issued.
    return file_name(
        certificate.certificate_name or "",
        certificate.course_slug,
        "certificate",
        day=local_day(certificate.issued_at),
        extension=extension,
    )


@bp.route("/certificates/<int:certificate_id>/correct", methods=["GET", "POST"])
@login_required
def correct(certificate_id: int):
    """The holder asks for their name to be corrected: a new certificate at once."""
    certificate = load_certificate(certificate_id, holder_only=True)
    if certificate.status != CertificateStatus.VALID:
        abort(404)
    form = CorrectNameForm(name=certificate.certificate_name)
    if form.validate_on_submit() and _differs(form, certificate):
        session = get_session()
        replacement = certificates.correct_name(
            session, certificate, form.name.data, actor_id=current_user.id
        )
        session.commit()
        flash(
            _(
                "Your corrected certificate is ready. The old one now points to it when "
                "someone verifies it."
            ),
            "success",
        )
        return redirect(url_for("learn.dashboard", _anchor=f"certificate-{replacement.id}"))
    return render_template("certificates/correct.html", certificate=certificate, form=form)


def _differs(form: CorrectNameForm, certificate: Certificate) -> bool:
    """Whether the form asks for another name than the certificate's (else an error)."""
    if certificates.printed_name(form.name.data) != certificate.certificate_name:
        return True
    form.name.errors.append(_("The certificate already carries this name."))
    return False


# --- the organizer's side -----------------------------------------------------------------


@bp.get("/organize/enrolments/<int:enrolment_id>/certificate")
@organizer_required
def manage(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    issued = (
        get_session()
        .scalars(
            select(Certificate)
            .where(Certificate.enrolment_id == enrolment.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
        .all()
    )
    current = next((c for c in issued if c.status == CertificateStatus.VALID), None)
    return render_template(
        "certificates/manage.html",
        enrolment=enrolment,
        issued=issued,
        current=current,
        correct_form=CorrectNameForm(name=current.certificate_name if current else ""),
        revoke_form=RevokeForm(),
    )


def _organizer_certificate(certificate_id: int) -> Certificate:
    certificate = load_certificate(certificate_id)
    # Organizers act on the round's certificates, not on their own from another round.
    load_cohort(certificate.enrolment.cohort_id)
    return certificate


@bp.post("/organize/certificates/<int:certificate_id>/correct")
@organizer_required
def organizer_correct(certificate_id: int):
    certificate = _organizer_certificate(certificate_id)
    enrolment = certificate.enrolment
    form = CorrectNameForm()
    valid = certificate.status == CertificateStatus.VALID and form.validate_on_submit()
    if valid and _differs(form, certificate):
        session = get_session()
        certificates.correct_name(session, certificate, form.name.data, actor_id=current_user.id)
        session.commit()
        flash(_("A corrected certificate is issued; the old one is superseded."), "success")
        return redirect(url_for(".manage", enrolment_id=enrolment.id))
    for error in form.name.errors:
        flash(error, "error")
    return redirect(url_for(".manage", enrolment_id=enrolment.id))


@bp.post("/organize/certificates/<int:certificate_id>/revoke")
@organizer_required
def revoke(certificate_id: int):
    certificate = _organizer_certificate(certificate_id)
    enrolment = certificate.enrolment
    form = RevokeForm()
    if certificate.status == CertificateStatus.VALID and form.validate_on_submit():
        session = get_session()
        certificates.revoke(session, certificate, form.reason.data, actor_id=current_user.id)
        session.commit()
        flash(_("The certificate is revoked."), "success")
    else:
        for error in form.reason.errors:
            flash(error, "error")
    return redirect(url_for(".manage", enrolment_id=enrolment.id))


def _cohort_certificates(cohort_id: int):
    """The certificates in force of a round's enrolments, by id."""
    return (
        select(Certificate.id)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id, Certificate.status == CertificateStatus.VALID)
        .order_by(Certificate.id)
    )


@bp.post("/organize/cohorts/<int:cohort_id>/certificates.zip")
@organizer_required
def cohort_zip(cohort_id: int):
    """Every stored certificate PDF of the round in one ZIP, streamed one file at a time.
    Certificates not yet rendered are left out; the round page offers to render them. A
    POST, because every export is written to the audit log."""
    cohort = load_cohort(cohort_id)
    require_button_form()
    session = get_session()
    ids = session.scalars(_cohort_certificates(cohort.id).where(Certificate.pdf.is_not(None)))
    ids = list(ids)
    audit.record(
        session,
        "certificates.exported",
        actor_id=current_user.id,
        object_type="cohort",
        object_id=cohort.id,
        organisation_id=cohort.organisation_id,
        count=len(ids),
    )
    session.commit()

    names = (
        dict(
            session.execute(
                select(Certificate.id, User.name)
                .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
                .join(User, User.id == Enrolment.user_id)
                .where(Certificate.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    pdfs = select(Certificate.code, Certificate.pdf).where(Certificate.id == bindparam("id"))
    today = local_today(cohort.organisation.timezone)

    def pdf_zip(stream: Session) -> Iterator[bytes]:
        buffer = Chunks()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for certificate_id in ids:  # one PDF in memory at a time
                code, pdf = stream.execute(pdfs, {"id": certificate_id}).one()
                # The holder's name, and the code that tells two of the same name apart.
                name = f"{slug(names.get(certificate_id, '')) or 'certificate'}-{code}.pdf"
                archive.writestr(name, pdf)
                yield buffer.take()
        yield buffer.take()

    return streamed_download(
        pdf_zip,
        name=file_name(cohort.name, "certificates", day=today, extension="zip"),
        mimetype="application/zip",
    )


@bp.post("/organize/cohorts/<int:cohort_id>/certificates/render")
@organizer_required
def render_missing(cohort_id: int):
    """Render the round's certificates whose PDF is missing (a render failed after the
    issue), so that the ZIP holds them all."""
    cohort = load_cohort(cohort_id)
    require_button_form()
    session = get_session()
    missing = list(
        session.scalars(_cohort_certificates(cohort.id).where(Certificate.pdf.is_(None)))
    )
    done = sum(1 for _certificate in certificates.render_missing(session, missing))
    flash(
        _("%(done)d of %(count)d certificates rendered.", done=done, count=len(missing)),
        "success" if done == len(missing) else "error",
    )
    return redirect(url_for("organize.cohort", cohort_id=cohort.id))
