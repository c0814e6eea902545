"""Signing in through the organisation's own provider: sending the person there, taking
its answer, the name on certificates asked once of a new account, and the offer to sign
out at the provider too.

What a started sign-in needs to check the answer (state, nonce, PKCE verifier) waits in
the browser's session for SIGN_IN_STEP_MAX_AGE seconds and is taken out by the first
answer, so an answer used twice (reloaded, replayed) finds nothing and is refused. The
answer comes back as a GET (the provider redirects the browser): the one GET of the
site, with the certificate PDF's cache fill, that writes, and only once the answer holds.
A refused sign-in writes nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from ...db import get_session
from ...i18n import current_locale
from ...models import SignInProvider
from ...services import sign_in
from ...services.mail import absolute_url
from ..forms import AcademyForm, certificate_name_field, safe_next
from .blueprint import bp
from .second_step import PENDING

log = logging.getLogger(__name__)

FLOW = "sign_in_flow"
# The provider the person signed in through, for the offer to sign out there too.
SIGNED_IN_WITH = "signed_in_with"
# Where a new account goes once it has chosen the name on its certificates.
NAME_NEXT = "sign_in_name_next"

PROBLEMS = {
    "unavailable": _l(
        "Your organisation's sign-in service did not answer. Try again in a while; nothing "
        "has changed."
    ),
    "refused": _l(
        "The sign-in was cancelled or refused at your organisation's sign-in page. Nothing "
        "has changed."
    ),
    "state": _l(
        "This answer from the sign-in page does not belong to a sign-in started in this "
        "browser, or it has been used already (a reloaded page, the back button, or a "
        "link from someone else). Nothing has changed: start again."
    ),
    "token": _l(
        "The answer from your organisation's sign-in service could not be trusted, so "
        "nothing has changed. Start again; if it happens again, tell your administrator."
    ),
    "provider": _l(
        "Your organisation's sign-in is not set up correctly, so nothing has changed. Tell "
        "your administrator."
    ),
    "no_email": _l(
        "Your organisation's sign-in service did not tell us your e-mail address, so we "
        "cannot find your account. Nothing has changed; tell your administrator."
    ),
    "wrong_domain": _l(
        "Your organisation's account has an e-mail address outside the domains it signs "
        "in for here, so nothing has changed. Sign in with the account of your work "
        "address, or ask your administrator."
    ),
    "unverified": _l(
        "An Academy account has this e-mail address already, and your organisation's "
        "sign-in service does not confirm that the address is yours, so we did not link "
        "them. Nothing has changed: log in with your password, or ask your administrator."
    ),
    "invitation_gone": _l(
        "The invitation you started from has been used already or has expired. Nothing "
        "has changed: log in instead, or ask for a new invitation."
    ),
    "invitation_other": _l(
        "You signed in as someone else than the person the invitation is for, so nothing "
        "has changed. Sign in with the account of the invited address."
    ),
}


def problem_page(kind: str):
    status = 502 if kind in ("unavailable", "provider") else 400
    message = PROBLEMS.get(kind, PROBLEMS["provider"])
    return render_template("account/sign_in_problem.html", message=message), status


def redirect_uri() -> str:
    """The one address every provider sends its answers to (what Entra ID and the others
    have registered), built on BASE_URL."""
    return absolute_url("account.provider_callback")


def send_to_provider(
    provider: SignInProvider,
    *,
    email: str,
    next_url: str | None,
    remember: bool = False,
    invitation: str = "",
    password_too: bool = False,
):
    """Start a sign-in at ``provider`` for ``email`` and send the browser there: by a
    page that goes on at once rather than a redirect, since the forms that lead here
    may only send to this site (CSP ``form-action 'self'``, which browsers apply to the
    redirects after a form too)."""
    try:
        url, kept = sign_in.start(
            provider, redirect_uri(), login_hint=email, locale=current_locale()
        )
    except sign_in.SignInFailed as failed:
        log.warning("sign-in at %s could not start: %s", provider.issuer, failed)
        return problem_page(failed.kind)
    flask_session.pop(PENDING, None)
    flask_session[FLOW] = {
        **kept,
        "provider": provider.id,
        "started": int(time.time()),
        "next": safe_next(next_url) or "",
        "remember": bool(remember),
        "invitation": invitation,
    }
    return render_template(
        "account/to_provider.html",
        url=url,
        provider=provider,
        # Where the provider is not required, the page offers the password too (and
        # does not go on by itself).
        password_step=(
            url_for("account.login", email=email, next=safe_next(next_url)) if password_too else ""
        ),
    )


def _kept_flow() -> dict[str, Any] | None:
    kept = flask_session.pop(FLOW, None)
    if not isinstance(kept, dict) or not isinstance(kept.get("provider"), int):
        return None
    started = kept.get("started")
    max_age = current_app.config["SIGN_IN_STEP_MAX_AGE"]
    if not isinstance(started, int) or not 0 <= time.time() - started <= max_age:
        return None
    return kept


@bp.get("/sign-in/callback")
def provider_callback():
    kept = _kept_flow()
    if kept is None:
        return problem_page("state")
    session = get_session()
    provider = session.get(SignInProvider, kept["provider"])
    if provider is None or not provider.enabled:
        return problem_page("provider")
    answer = {key: value[:2048] for key, value in request.args.items()}
    try:
        outcome = sign_in.complete(
            session,
            provider,
            kept,
            answer,
            redirect_uri=redirect_uri(),
            locale=current_locale(),
            invitation_token=str(kept.get("invitation") or "")[:512],
        )
    except sign_in.SignInFailed as failed:
        log.warning("sign-in at %s refused: %s", provider.issuer, failed)
        session.rollback()
        return problem_page(failed.kind)
    if outcome.user is None:
        session.rollback()
        return problem_page(outcome.problem)
    session.commit()
    login_user(outcome.user, remember=bool(kept.get("remember")))
    flask_session[SIGNED_IN_WITH] = provider.id
    default = url_for("learn.dashboard" if kept.get("invitation") else "main.index")
    if outcome.created:
        flask_session[NAME_NEXT] = kept.get("next") or default
        return redirect(url_for("account.certificate_name"))
    return redirect(kept.get("next") or default)


class CertificateNameForm(AcademyForm):
    certificate_name = certificate_name_field(_l("Your name as it should appear on certificates"))


@bp.route("/sign-in/name", methods=["GET", "POST"])
@login_required
def certificate_name():
    """Asked once of an account made by the organisation's sign-in: the provider gives
    a name, but not always as the person wants it printed."""
    user = current_user._get_current_object()
    form = CertificateNameForm(certificate_name=user.certificate_name)
    if form.validate_on_submit():
        user.certificate_name = form.certificate_name.data.strip()
        get_session().commit()
        flash(_("Welcome, %(name)s!", name=user.name), "success")
        return redirect(safe_next(flask_session.pop(NAME_NEXT, None)) or url_for("main.index"))
    return render_template("account/certificate_name.html", form=form)


def sign_out_offer(provider_id: object) -> str | None:
    """After logging out: the provider's own sign-out address, when the person signed in
    there and it has one."""
    if not isinstance(provider_id, int):
        return None
    provider = get_session().get(SignInProvider, provider_id)
    if provider is None:
        return None
    return sign_in.end_session_url(provider, absolute_url("account.login"))
