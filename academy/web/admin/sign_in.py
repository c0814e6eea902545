"""An organisation's own provider, as the administrator sets it up: issuer, client id and
secret (encrypted, never shown again), the e-mail domains it covers, whether they must
sign in there."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...db import get_session
from ...models import Organisation
from ...services import sign_in
from ..access import admin_required
from ..account.provider import redirect_uri
from ..forms import AcademyForm, ButtonForm, require_button_form
from .blueprint import bp


class ProviderForm(AcademyForm):
    issuer = StringField(
        _l("Issuer"),
        validators=[
            DataRequired(message=_l("Enter the issuer's address.")),
            Length(max=500, message=_l("Write at most %(count)d characters.", count=500)),
        ],
        render_kw={"spellcheck": "false", "inputmode": "url"},
    )
    client_id = StringField(
        _l("Client ID"),
        validators=[
            DataRequired(message=_l("Enter the client ID.")),
            Length(max=255, message=_l("Write at most %(count)d characters.", count=255)),
        ],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[
            Length(max=2000, message=_l("Write at most %(count)d characters.", count=2000))
        ],
        render_kw={"autocomplete": "new-password"},
    )
    domains = TextAreaField(
        _l("E-mail domains it covers"),
        validators=[
            DataRequired(message=_l("Name at least one domain.")),
            Length(max=5000, message=_l("Write at most %(count)d characters.", count=5000)),
        ],
        render_kw={"rows": 3, "spellcheck": "false"},
    )
    required = BooleanField(_l("People of these domains must sign in there (no password here)"))
    enabled = BooleanField(_l("Turned on"))


_PROBLEMS = {
    "issuer": _l(
        "Enter the issuer's https:// address, without ?query or #part, e.g. "
        "https://login.microsoftonline.com/<tenant id>/v2.0"
    ),
    "client_secret": _l("Enter the client secret: there is none stored yet."),
}


def _form_for(provider) -> ProviderForm:
    if provider is None:
        return ProviderForm(enabled=True)
    return ProviderForm(
        issuer=provider.issuer,
        client_id=provider.client_id,
        domains="\n".join(each.domain for each in provider.domains),
        required=provider.required,
        enabled=provider.enabled,
    )


@bp.route("/admin/organisations/<int:organisation_id>/sign-in", methods=["GET", "POST"])
@admin_required
def sign_in_provider(organisation_id: int):
    session = get_session()
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    provider = sign_in.provider_of(session, organisation.id)
    form = _form_for(provider)
    can_encrypt = sign_in.encryption.can_encrypt()
    if form.validate_on_submit() and can_encrypt:
        try:
            domains = sign_in.parse_domains(form.domains.data)
        except ValueError as bad:
            form.domains.errors.append(_("“%(word)s” is not an e-mail domain.", word=str(bad)))
        else:
            values = sign_in.ProviderValues(
                issuer=form.issuer.data.strip(),
                client_id=form.client_id.data.strip(),
                client_secret=form.client_secret.data or "",
                domains=domains,
                required=form.required.data,
                enabled=form.enabled.data,
            )
            try:
                sign_in.providers.save(session, organisation, values, actor_id=current_user.id)
            except sign_in.ProviderProblem as problem:
                session.rollback()
                if problem.field == "domains":
                    message = _(
                        "%(domain)s is covered by another organisation's sign-in already.",
                        domain=str(problem),
                    )
                else:
                    message = str(_PROBLEMS[problem.field])
                form[problem.field].errors.append(message)
            else:
                session.commit()
                flash(_("The sign-in of %(name)s is saved.", name=organisation.name), "success")
                return redirect(url_for("admin.sign_in_provider", organisation_id=organisation.id))
    return render_template(
        "admin/sign_in_provider.html",
        form=form,
        organisation=organisation,
        provider=provider,
        redirect_uri=redirect_uri(),
        can_encrypt=can_encrypt,
        remove_form=ButtonForm(),
    )


@bp.post("/admin/organisations/<int:organisation_id>/sign-in/remove")
@admin_required
def remove_sign_in_provider(organisation_id: int):
    require_button_form()
    session = get_session()
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    if sign_in.providers.remove(session, organisation, actor_id=current_user.id):
        session.commit()
        flash(
            _(
                "The sign-in of %(name)s is removed: its people log in with a password "
                "(“Forgot your password?” gives them one).",
                name=organisation.name,
            ),
            "success",
        )
    return redirect(url_for("admin.sign_in_provider", organisation_id=organisation.id))
