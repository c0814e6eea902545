"""The second step at sign-in: TOTP codes (time windows, no reuse), recovery codes (single
use, hashed), required of staff who sign in with a password, limited like the password,
and reset by an administrator (audited)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from academy.models import AuditEvent, RecoveryCode, SecondFactor, User
from academy.services import second_factor
from tests.factories import (
    PASSWORD,
    TOTP_SECRET,
    enrol_second_factor,
    make_organisation,
    make_organizer,
    make_user,
    totp_code,
    wrong_code,
)

NOON = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


def log_in(client, user, **extra):
    return client.post_form("/login", {"email": user.email, "password": PASSWORD, **extra})


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def organizer(db):
    return make_organizer(db, make_organisation(db)).user


# --- the codes --------------------------------------------------------------------------------


def test_a_code_is_accepted_one_step_either_side_and_no_further(app_context, db):
    user = make_user(db)
    for steps, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        factor = enrol_second_factor(db, make_user(db)) if steps else enrol_second_factor(db, user)
        code = totp_code(at=NOON, steps=steps)
        assert second_factor.check_code(db, factor, code, NOON) is accepted, steps


def test_a_code_is_not_accepted_twice_nor_one_older_than_the_last(app_context, db):
    factor = enrol_second_factor(db, make_user(db))
    assert second_factor.check_code(db, factor, totp_code(at=NOON), NOON)
    assert not second_factor.check_code(db, factor, totp_code(at=NOON), NOON)
    # The previous step's code is still in the window, but older than the one used.
    assert not second_factor.check_code(db, factor, totp_code(at=NOON, steps=-1), NOON)
    later = NOON + timedelta(seconds=30)
    assert second_factor.check_code(db, factor, totp_code(at=later), later)
    db.expire_all()
    assert db.get(SecondFactor, factor.id).last_used_step == factor.last_used_step


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5x"])
def test_codes_that_are_not_six_digits_are_refused(app_context, db, code):
    factor = enrol_second_factor(db, make_user(db))
    assert not second_factor.check_code(db, factor, code, NOON)


def test_enrolment_needs_the_apps_code_and_gives_ten_hashed_single_use_recovery_codes(
    app_context, db
):
    user = make_user(db)
    secret = second_factor.new_secret()
    assert second_factor.enrol(db, user, secret, wrong_code(secret, NOON), NOON) is None
    assert second_factor.factor_of(db, user.id) is None
    codes = second_factor.enrol(db, user, secret, totp_code(secret, NOON), NOON)
    assert codes is not None and len(codes) == len(set(codes)) == 10
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    stored = list(stored)
    assert len(stored) == 10 and not set(codes) & set(stored)
    # The code that proved the app is used: it cannot sign in again.
    factor = second_factor.factor_of(db, user.id)
    assert not second_factor.check_code(db, factor, totp_code(secret, NOON), NOON)

    first = codes[0]
    assert second_factor.passes(db, user, first.upper().replace("-", " "))
    assert not second_factor.passes(db, user, first)
    assert second_factor.recovery_codes_left(db, user.id) == 9
    # New codes replace the old ones.
    fresh = second_factor.new_recovery_codes(db, user.id)
    assert not second_factor.passes(db, user, codes[1])
    assert second_factor.passes(db, user, fresh[1])
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user.id)))
    assert {"second_factor.enrolled", "second_factor.recovery_code_used"} <= actions


# --- signing in -------------------------------------------------------------------------------


def test_staff_with_an_app_give_its_code_after_the_password(client, db, organizer):
    enrol_second_factor(db, organizer)
    db.commit()
    answer = log_in(client, organizer, next="/organize/")
    assert answer.status_code == 302 and answer.location == "/login/code"
    assert not logged_in(client)

    page = client.get("/login/code")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    wrong = client.post_form("/login/code", {"code": wrong_code()})
    assert wrong.status_code == 200 and "not right" in wrong.text
    assert not logged_in(client)

    right = client.post_form("/login/code", {"code": totp_code()})
    assert right.status_code == 302 and right.location == "/organize/"
    assert logged_in(client)


def test_a_used_code_does_not_sign_in_again(client, db, organizer):
    enrol_second_factor(db, organizer)
    db.commit()
    code = totp_code()
    log_in(client, organizer)
    assert client.post_form("/login/code", {"code": code}).status_code == 302
    client.post_form("/logout")
    log_in(client, organizer)
    again = client.post_form("/login/code", {"code": code})
    assert again.status_code == 200 and not logged_in(client)


def test_staff_without_an_app_set_one_up_before_they_are_let_in(client, db, organizer):
    answer = log_in(client, organizer)
    assert answer.location == "/login/code/setup"
    page = client.get("/login/code/setup")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.text).group(1)
    assert not logged_in(client)
    # The secret stays the same between showing it and the code typed.
    assert secret in client.get("/login/code/setup").text

    refused = client.post_form("/login/code/setup", {"code": wrong_code(secret)})
    assert "not the code" in refused.text
    shown = client.post_form("/login/code/setup", {"code": totp_code(secret)})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", shown.text)
    assert len(codes) == 10
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert logged_in(client)
    assert db.scalar(select(SecondFactor.secret).where(SecondFactor.user_id == organizer.id)) == (
        secret
    )


def test_administrators_need_it_too(client, db):
    admin = make_user(db, is_admin=True)
    db.commit()
    assert log_in(client, admin).location == "/login/code/setup"


def test_participants_sign_in_with_the_password_alone_unless_they_set_up_an_app(client, db):
    participant = make_user(db)
    db.commit()
    assert log_in(client, participant).location == "/"
    client.post_form("/logout")
    enrol_second_factor(db, participant)
    db.commit()
    assert log_in(client, participant).location == "/login/code"


def test_the_setting_can_turn_the_requirement_off(app, client, db, organizer, monkeypatch):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_FOR_STAFF", False)
    db.commit()
    assert log_in(client, organizer).location == "/"


def test_a_recovery_code_signs_in_once(client, db, organizer, app):
    with app.app_context():
        codes = second_factor.enrol(db, organizer, TOTP_SECRET, totp_code(steps=-1))
    db.commit()
    log_in(client, organizer)
    assert client.post_form("/login/code", {"code": codes[3]}).status_code == 302
    client.post_form("/logout")
    log_in(client, organizer)
    assert client.post_form("/login/code", {"code": codes[3]}).status_code == 200
    assert not logged_in(client)


def test_the_second_step_expires_and_needs_the_password_first(client, db, organizer, app):
    enrol_second_factor(db, organizer)
    db.commit()
    assert client.get("/login/code").location == "/login"
    assert client.post_form("/login/code", {"code": totp_code()}).location == "/login"
    log_in(client, organizer)
    with client.session_transaction() as session:
        pending = dict(session["sign_in_pending"])
        pending["t"] -= app.config["SIGN_IN_STEP_MAX_AGE"] + 1
        session["sign_in_pending"] = pending
    assert client.post_form("/login/code", {"code": totp_code()}).location == "/login"
    assert not logged_in(client)


def test_wrong_codes_are_limited_per_account(client, db, organizer, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    enrol_second_factor(db, organizer)
    db.commit()
    log_in(client, organizer)
    for _ in range(3):
        assert client.post_form("/login/code", {"code": wrong_code()}).status_code == 200
    # Even the right code waits now, and starting again from the password does not help.
    assert client.post_form("/login/code", {"code": totp_code()}).status_code == 429
    log_in(client, organizer)
    assert client.post_form("/login/code", {"code": totp_code()}).status_code == 429
    assert not logged_in(client)


# --- the account page and the administrator ---------------------------------------------------


def test_a_participant_sets_up_and_turns_off_the_second_step(client, db):
    user = make_user(db)
    db.commit()
    client.login_as(user)
    page = client.get("/account/two-factor/setup")
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page.text).group(1)
    shown = client.post_form("/account/two-factor/setup", {"code": totp_code(secret)})
    assert shown.status_code == 200 and shown.text.count("<code>") == 10
    assert "Recovery codes left" in client.get("/account/two-factor").text

    refused = client.post_form("/account/two-factor/remove", {"password": "wrong password"})
    assert refused.location == "/account/two-factor"
    assert second_factor.factor_of(db, user.id) is not None
    client.post_form("/account/two-factor/remove", {"password": PASSWORD})
    assert second_factor.factor_of(db, user.id) is None
    assert logged_in(client)


def test_staff_cannot_turn_it_off(client, db, organizer):
    enrol_second_factor(db, organizer)
    db.commit()
    client.login_as(organizer)
    assert "Turn it off" not in client.get("/account/two-factor").text
    client.post_form("/account/two-factor/remove", {"password": PASSWORD})
    assert second_factor.factor_of(db, organizer.id) is not None


def test_new_recovery_codes_need_a_code_from_the_app(client, db):
    user = make_user(db)
    enrol_second_factor(db, user)
    db.commit()
    client.login_as(user)
    assert (
        client.post_form("/account/two-factor/recovery-codes", {"code": wrong_code()}).status_code
        == 302
    )
    shown = client.post_form("/account/two-factor/recovery-codes", {"code": totp_code()})
    assert shown.status_code == 200 and shown.text.count("<code>") == 10


def test_an_administrator_resets_a_second_step_audited_and_ends_the_sessions(client, db, organizer):
    enrol_second_factor(db, organizer)
    admin = make_user(db, is_admin=True)
    db.commit()
    version = organizer.session_version
    client.login_as(admin)
    page = client.get("/admin/people", query_string={"email": organizer.email.upper()})
    assert "Reset the second step" in page.text

    answer = client.post_form(f"/admin/people/{organizer.id}/second-factor/reset")
    assert answer.status_code == 302 and answer.location.startswith("/admin/people?email=")
    db.expire_all()
    assert second_factor.factor_of(db, organizer.id) is None
    assert db.get(User, organizer.id).session_version == version + 1
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "second_factor.reset")).one()
    assert (event.actor_id, event.object_id) == (admin.id, organizer.id)

    # At the next sign-in the organizer sets up a new app.
    client.post_form("/logout")
    assert log_in(client, organizer).location == "/login/code/setup"


def test_only_administrators_reset(client, db, organizer):
    enrol_second_factor(db, organizer)
    db.commit()
    client.login_as(organizer)
    assert client.post_form(f"/admin/people/{organizer.id}/second-factor/reset").status_code == 404
    assert second_factor.factor_of(db, organizer.id) is not None
