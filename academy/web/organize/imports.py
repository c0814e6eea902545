"""Enrolling people from a spreadsheet: upload it, then review the columns and the
preview, then import. Between the steps the file waits in ``uploads``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice

from ...db import get_session
from ...errors import back_when_too_large, upload_limit
from ...services import importing
from ..forms import AcademyForm, ButtonForm
from ..params import int_arg
from . import uploads
from .access import load_cohort, organizer_required
from .blueprint import bp


class UploadForm(AcademyForm):
    file = FileField(
        _l("Spreadsheet (.xlsx, .csv or .txt)"),
        validators=[FileRequired(message=_l("Choose a file."))],
    )


DELIMITER_CHOICES = [
    SelectChoice("", _l("Detect")),
    SelectChoice(",", _l("Comma")),
    SelectChoice(";", _l("Semicolon")),
    SelectChoice("tab", _l("Tab")),
]
ENCODING_CHOICES = [
    SelectChoice("", _l("Detect")),
    SelectChoice("utf-8", "UTF-8"),
    SelectChoice("utf-16", "UTF-16"),
    SelectChoice("cp1252", "Windows-1252"),
]
IMPORT_FIELDS = ("name", "email", "role", "employer", "place", "language")


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@organizer_required
@back_when_too_large(lambda cohort_id: url_for("organize.import_upload", cohort_id=cohort_id))
def import_upload(cohort_id: int):
    cohort = load_cohort(cohort_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = upload.filename or "upload"
        try:
            importing.read_table(data, filename)
        except importing.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            key = uploads.save(data, filename, cohort_id=cohort.id, user_id=current_user.id)
            return redirect(url_for("organize.import_review", cohort_id=cohort.id, key=key))
    return render_template(
        "organize/import_upload.html",
        cohort=cohort,
        form=form,
        limits=importing.LIMITS,
        size=upload_limit(),
    )


def _review_options(source) -> tuple[str | None, str | None]:
    delimiter = {"": None, ",": ",", ";": ";", "tab": "\t"}.get(source.get("delimiter", ""))
    encoding = source.get("encoding") or None
    if encoding not in (None, "utf-8", "utf-16", "cp1252"):
        encoding = None
    return delimiter, encoding


def _mapping(source, table) -> dict[str, int | None]:
    guessed = importing.guess_mapping(table.headers)
    if not any(f"map_{name}" in source for name in IMPORT_FIELDS):
        return guessed
    mapping: dict[str, int | None] = {}
    for name in IMPORT_FIELDS:
        mapping[name] = int_arg(source, f"map_{name}", minimum=0, maximum=len(table.headers) - 1)
    return mapping


@bp.route("/cohorts/<int:cohort_id>/import/<key>", methods=["GET", "POST"])
@organizer_required
def import_review(cohort_id: int, key: str):
    cohort = load_cohort(cohort_id)
    upload = uploads.load(key, cohort_id=cohort.id, user_id=current_user.id)
    if upload is None:
        flash(_("That upload has expired or does not exist. Upload the file again."), "error")
        return redirect(url_for("organize.import_upload", cohort_id=cohort.id))
    source = request.form if request.method == "POST" else request.args
    delimiter, encoding = _review_options(source)
    session = get_session()
    try:
        table = importing.read_table(
            upload.data, upload.filename, delimiter=delimiter, encoding=encoding
        )
    except importing.ImportFileError as error:
        flash(str(error), "error")
        return redirect(url_for("organize.import_upload", cohort_id=cohort.id))
    mapping = _mapping(source, table)
    problem = None
    result = None
    try:
        result = importing.preview(session, cohort, table, mapping)
    except importing.MappingError as error:
        problem = str(error)
    form = ButtonForm()
    if request.method == "POST" and result is not None and form.validate_on_submit():
        try:
            done = importing.import_rows(
                session,
                cohort,
                result,
                invited_by_id=current_user.id,
                create_places=bool(request.form.get("create_places")),
                send_invitations=bool(request.form.get("send_invitations")),
            )
        except importing.ImportRejected as error:
            session.rollback()
            problem = str(error)
        else:
            session.commit()
            uploads.discard(upload.key)
            flash(
                _(
                    "Imported: %(new)d enrolled, %(same)d already in the round, %(sent)d "
                    "invitations sent.",
                    new=done.enrolments_created,
                    same=done.already_enrolled,
                    sent=done.invitations_sent,
                ),
                "success",
            )
            return redirect(url_for("organize.cohort", cohort_id=cohort.id))
    return render_template(
        "organize/import_review.html",
        cohort=cohort,
        upload=upload,
        table=table,
        mapping=mapping,
        preview=result,
        problem=problem,
        form=form,
        fields=IMPORT_FIELDS,
        delimiter=source.get("delimiter", ""),
        encoding=source.get("encoding", ""),
        delimiter_choices=DELIMITER_CHOICES,
        encoding_choices=ENCODING_CHOICES,
    )
