"""Signing in through an organisation's own provider, against a real OpenID Connect
provider (tests/oidc_provider.py): the whole flow with the test client, the accounts it
links and makes, and the attacks (wrong state, wrong nonce, expired token, a token for
another audience, an unverified address claiming an existing account, a replayed
answer), each refused with a page in the person's language and nothing changed."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from academy.models import AuditEvent, Enrolment, EnrolmentStatus, ExternalIdentity, User
from academy.services import enrolments, sign_in
from academy.services.sign_in import oidc
from tests.factories import (
    PASSWORD,
    make_cohort,
    make_organisation,
    make_organizer,
    make_user,
)
from tests.oidc_provider import Provider, running_provider

DOMAIN = "kommun.example"
CLIENT_ID = "academy-tests"
CLIENT_SECRET = "a client secret"


@pytest.fixture(scope="module")
def provider_process():
    with running_provider() as provider:
        yield provider


@pytest.fixture(autouse=True)
def _fresh_discovery():
    oidc.forget_cache()
    yield
    oidc.forget_cache()


@pytest.fixture
def organisation(db):
    return make_organisation(db, name="Kommunen")


def set_up_provider(app, db, organisation, issuer: str, **changes):
    values = {
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "domains": (DOMAIN,),
        "required": False,
        "enabled": True,
        **changes,
    }
    with app.app_context():
        provider = sign_in.providers.save(
            db, organisation, sign_in.ProviderValues(**values), actor_id=None
        )
    db.commit()
    return provider


@pytest.fixture
def provider(app, db, organisation, provider_process):
    return set_up_provider(app, db, organisation, provider_process.issuer)


def provider_url(answer) -> str:
    """The provider's authorization address a page sends the browser to (at once, and
    by its link)."""
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[:300]
    found = re.search(r'id="to-provider" href="([^"]+)"', page)
    assert found, page[:300]
    return html.unescape(found.group(1))


def start(client, email: str, **headers) -> str:
    """The login page's first step; the provider's authorization address it sends to."""
    return provider_url(client.post_form("/login", {"email": email}, headers=headers))


def back(client, location: str, **headers):
    """The browser coming back from the provider to the callback."""
    parts = urlsplit(location)
    assert parts.path == "/sign-in/callback", location
    return client.get(f"{parts.path}?{parts.query}", headers=headers)


def sign_in_at(client, provider_process: Provider, email: str, subject: str):
    return back(client, provider_process.authorize(start(client, email), subject))


def logged_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return page.get_data(as_text=True)


def counts(db) -> tuple[int, int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(User)),
        db.scalar(select(func.count()).select_from(ExternalIdentity)),
        db.scalar(select(func.count()).select_from(Enrolment)),
    )


# --- the flow --------------------------------------------------------------------------------


def test_the_request_carries_pkce_state_nonce_and_the_address(client, provider):
    url = start(client, f"anna@{DOMAIN}")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(provider.issuer + "/oauth2/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["redirect_uri"] == ["http://academy.test/sign-in/callback"]
    assert query["login_hint"] == [f"anna@{DOMAIN}"]
    assert query["code_challenge_method"] == ["S256"]
    with client.session_transaction() as session:
        kept = session["sign_in_flow"]
    assert query["state"] == [kept["state"]] and query["nonce"] == [kept["nonce"]]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(kept["verifier"].encode()).digest())
    assert query["code_challenge"] == [challenge.rstrip(b"=").decode()]


def test_other_addresses_get_the_password_step(client, provider, db):
    page = client.post_form("/login", {"email": "olle@elsewhere.example"})
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)


def test_a_new_person_gets_an_account_named_by_the_provider(client, db, provider, provider_process):
    provider_process.person(
        "sub-new", email=f"Nils.Ny@{DOMAIN}", email_verified=True, name="Nils Nyström"
    )
    answer = sign_in_at(client, provider_process, f"nils.ny@{DOMAIN}", "sub-new")
    assert answer.status_code == 302 and answer.location == "/sign-in/name"
    user = db.scalars(select(User).where(User.email_normalized == f"nils.ny@{DOMAIN}")).one()
    assert (user.name, user.password_hash) == ("Nils Nyström", None)
    identity = db.scalars(select(ExternalIdentity)).one()
    assert (identity.issuer, identity.subject, identity.user_id) == (
        provider.issuer,
        "sub-new",
        user.id,
    )
    # The name on certificates, asked once.
    assert "Nils Nyström" in client.get("/sign-in/name").get_data(as_text=True)
    done = client.post_form("/sign-in/name", {"certificate_name": "Nils G. Nyström"})
    assert done.location == "/"
    db.expire_all()
    assert db.get(User, user.id).certificate_name == "Nils G. Nyström"
    assert logged_in_as(client)


def test_a_verified_address_links_the_existing_account_and_the_subject_signs_in_after(
    client, db, provider, provider_process
):
    anna = make_user(db, email=f"anna@{DOMAIN}", name="Anna Andersson")
    db.commit()
    provider_process.person("sub-anna", email=f"anna@{DOMAIN}", email_verified=True)
    answer = sign_in_at(client, provider_process, anna.email, "sub-anna")
    assert answer.status_code == 302 and answer.location == "/"
    assert "Anna Andersson" in logged_in_as(client)
    assert db.scalar(select(ExternalIdentity.user_id)) == anna.id
    linked = select(AuditEvent.action).where(AuditEvent.object_type == "user")
    assert db.scalar(linked.where(AuditEvent.object_id == anna.id)) == ("sign_in.linked")

    # The address changes at the provider: the subject still signs in to the same account.
    client.post_form("/logout")
    provider_process.person("sub-anna", email=f"anna.berg@{DOMAIN}", email_verified=True)
    again = sign_in_at(client, provider_process, anna.email, "sub-anna")
    assert again.location == "/" and "Anna Andersson" in logged_in_as(client)
    assert counts(db)[:2] == (1, 1)


def test_staff_signed_in_by_the_provider_are_not_asked_for_a_code(
    client, db, provider, provider_process
):
    organizer = make_organizer(db, make_organisation(db), make_user(db, email=f"olle@{DOMAIN}"))
    db.commit()
    provider_process.person("sub-olle", email=organizer.user.email, email_verified=True)
    answer = sign_in_at(client, provider_process, organizer.user.email, "sub-olle")
    assert answer.location == "/"
    assert client.get("/organize/").status_code == 200


def test_a_required_provider_takes_the_password_step_too(
    app, client, db, organisation, provider_process
):
    set_up_provider(app, db, organisation, provider_process.issuer, required=True)
    anna = make_user(db, email=f"anna@{DOMAIN}")
    db.commit()
    answer = client.post_form("/login", {"email": anna.email, "password": PASSWORD})
    assert provider_url(answer).startswith(provider_process.issuer)
    assert not logged_in_as(client)


def test_an_invitation_to_a_covered_address_is_accepted_through_the_provider(
    app, client, db, provider, provider_process
):
    cohort = make_cohort(db, name="Hösten")
    with app.app_context():
        enrolment, token = enrolments.invite_participant(
            db,
            cohort,
            email=f"pia@{DOMAIN}",
            name="Pia",
            role="official",
            locale="sv",
            invited_by_id=None,
        )
    db.commit()
    page = client.get(f"/invite/{token}").get_data(as_text=True)
    assert 'name="password"' not in page
    url = provider_url(client.post_form(f"/invite/{token}"))
    assert url.startswith(provider_process.issuer)
    provider_process.person("sub-pia", email=f"pia@{DOMAIN}", email_verified=True, name="Pia P")
    done = back(client, provider_process.authorize(url, "sub-pia"))
    assert done.location == "/learn/"
    db.expire_all()
    assert db.get(Enrolment, enrolment.id).status == EnrolmentStatus.ACTIVE
    assert db.scalar(select(ExternalIdentity.user_id)) == enrolment.user_id


def test_signing_out_offers_the_providers_end_session(client, db, provider, provider_process):
    provider_process.person("sub-eva", email=f"eva@{DOMAIN}", email_verified=True, name="Eva")
    sign_in_at(client, provider_process, f"eva@{DOMAIN}", "sub-eva")
    page = client.post_form("/logout")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert provider_process.issuer + "/oauth2/end_session?" in text
    assert "post_logout_redirect_uri=http%3A%2F%2Facademy.test%2Flogin" in text
    assert not logged_in_as(client)


# --- refusals: a clear page, in the person's language, and nothing changed --------------------


def refused(answer, status=400) -> str:
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]
    return answer.get_data(as_text=True)


def test_a_wrong_state_is_refused_and_uses_up_the_sign_in(client, db, provider, provider_process):
    provider_process.person("sub-x", email=f"x@{DOMAIN}", email_verified=True)
    location = provider_process.authorize(start(client, f"x@{DOMAIN}"), "sub-x")
    before = counts(db)
    forged = location.replace("state=", "state=forged", 1)
    assert "does not belong to a sign-in started in this browser" in refused(back(client, forged))
    # The genuine answer afterwards finds nothing either.
    refused(back(client, location))
    assert counts(db) == before and not logged_in_as(client)


def test_a_replayed_answer_is_refused(client, db, provider, provider_process):
    provider_process.person("sub-r", email=f"r@{DOMAIN}", email_verified=True)
    location = provider_process.authorize(start(client, f"r@{DOMAIN}"), "sub-r")
    assert back(client, location).status_code == 302
    client.post_form("/logout")
    before = counts(db)
    refused(back(client, location))
    assert counts(db) == before and not logged_in_as(client)


def test_a_wrong_nonce_is_refused(client, db, provider, provider_process):
    provider_process.person("sub-n", email=f"n@{DOMAIN}", email_verified=True)
    url = start(client, f"n@{DOMAIN}")
    with client.session_transaction() as session:
        session["sign_in_flow"] = {**session["sign_in_flow"], "nonce": "another nonce"}
    before = counts(db)
    text = refused(back(client, provider_process.authorize(url, "sub-n")))
    assert "could not be trusted" in text
    assert counts(db) == before and not logged_in_as(client)


def test_an_expired_id_token_is_refused(app, client, db, organisation):
    # A provider whose tokens expired five minutes before they were issued.
    with running_provider("-e", "-300") as stale:
        set_up_provider(app, db, organisation, stale.issuer)
        stale.person("sub-e", email=f"e@{DOMAIN}", email_verified=True)
        before = counts(db)
        refused(sign_in_at(client, stale, f"e@{DOMAIN}", "sub-e"))
    assert counts(db) == before and not logged_in_as(client)


def test_a_code_for_another_client_is_refused(client, db, provider, provider_process):
    provider_process.person("sub-a", email=f"a@{DOMAIN}", email_verified=True)
    url = start(client, f"a@{DOMAIN}").replace(f"client_id={CLIENT_ID}", "client_id=other-app")
    before = counts(db)
    refused(back(client, provider_process.authorize(url, "sub-a")))
    assert counts(db) == before and not logged_in_as(client)


def test_an_id_token_for_another_audience_is_refused(app, provider, provider_process):
    """A genuine ID token of the same provider, issued to another application."""
    provider_process.person("sub-aud", email=f"aud@{DOMAIN}", email_verified=True)
    redirect = "http://other.example/callback"
    authorization = (
        requests.Request(
            "GET",
            provider_process.issuer + "/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": "other-app",
                "redirect_uri": redirect,
                "scope": "openid email",
                "nonce": "n-1",
                "state": "s-1",
            },
        )
        .prepare()
        .url
    )
    code = parse_qs(urlsplit(provider_process.authorize(authorization, "sub-aud")).query)["code"][0]
    token = requests.post(
        provider_process.issuer + "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        auth=("other-app", "its secret"),
        timeout=10,
    ).json()
    with app.app_context():
        with pytest.raises(sign_in.SignInFailed) as failed:
            oidc.check_id_token(provider, token["id_token"], nonce="n-1")
        assert failed.value.kind == "token"
        # The same token checked as the other application's passes: the audience refused it.
        provider.client_id = "other-app"
        assert oidc.check_id_token(provider, token["id_token"], nonce="n-1").subject == "sub-aud"


def test_an_unverified_address_does_not_take_over_an_existing_account(
    client, db, provider, provider_process
):
    anna = make_user(db, email=f"anna@{DOMAIN}")
    db.commit()
    provider_process.person("sub-mallory", email=anna.email, email_verified=False)
    before = counts(db)
    page = refused(
        sign_in_at(client, provider_process, anna.email, "sub-mallory"),
    )
    assert "does not confirm that the address is yours" in page
    assert counts(db) == before and not logged_in_as(client)


def test_an_address_outside_the_providers_domains_is_refused(
    client, db, provider, provider_process
):
    provider_process.person("sub-out", email="someone@gmail.example", email_verified=True)
    before = counts(db)
    refused(sign_in_at(client, provider_process, f"someone@{DOMAIN}", "sub-out"))
    assert counts(db) == before


def test_refused_consent_is_said_in_the_persons_language(client, db, provider, provider_process):
    swedish = {"Accept-Language": "sv"}
    url = start(client, f"s@{DOMAIN}", **swedish)
    location = provider_process.authorize(url, "", deny=True)
    assert "error=access_denied" in location
    page = refused(back(client, location, **swedish))
    assert '<html lang="sv">' in page, page
    assert "avbröts eller nekades" in page, page[page.find("<main") :][:1500]


def test_a_provider_that_does_not_answer_changes_nothing(app, client, db, organisation):
    set_up_provider(app, db, organisation, "http://127.0.0.1:9")
    before = counts(db)
    page = refused(client.post_form("/login", {"email": f"d@{DOMAIN}"}), status=502)
    assert "did not answer" in page
    assert counts(db) == before


def test_the_discovery_document_is_fetched_once(app, provider, provider_process, monkeypatch):
    fetched = []
    real_get = requests.get

    def counting_get(url, **kwargs):
        fetched.append(url)
        return real_get(url, **kwargs)

    monkeypatch.setattr(oidc.requests, "get", counting_get)
    with app.app_context():
        for _ in range(3):
            oidc.metadata(provider.issuer)
    assert fetched == [provider_process.issuer + "/.well-known/openid-configuration"]


# --- the choice, the administrator's page, the secret -----------------------------------------


def test_a_provider_not_required_offers_the_password_a_required_one_goes_at_once(
    app, client, db, organisation, provider_process
):
    set_up_provider(app, db, organisation, provider_process.issuer)
    page = client.post_form("/login", {"email": f"anna@{DOMAIN}"}).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert f'href="/login?email=anna@{DOMAIN}"' in page
    password_step = client.get(f"/login?email=anna@{DOMAIN}").get_data(as_text=True)
    assert 'name="password"' in password_step and f"anna@{DOMAIN}" in password_step

    set_up_provider(app, db, organisation, provider_process.issuer, required=True)
    page = client.post_form("/login", {"email": f"anna@{DOMAIN}"}).get_data(as_text=True)
    assert f'<meta http-equiv="refresh" content="0; url={provider_process.issuer}' in page
    assert "/login?email=" not in page


def test_an_organizer_invitation_is_accepted_through_the_provider(
    app, client, db, organisation, provider, provider_process
):
    from academy.models import Organizer
    from academy.services import organizers

    with app.app_context():
        token = organizers.invite_organizer(
            db, organisation, email=f"ola@{DOMAIN}", locale="nb", invited_by_id=None
        )
    db.commit()
    assert 'name="password"' not in client.get(f"/organize/join/{token}").get_data(as_text=True)
    url = provider_url(client.post_form(f"/organize/join/{token}"))
    provider_process.person("sub-ola", email=f"ola@{DOMAIN}", email_verified=True, name="Ola")
    done = back(client, provider_process.authorize(url, "sub-ola"))
    assert done.location == "/sign-in/name"
    user = db.scalars(select(User).where(User.email_normalized == f"ola@{DOMAIN}")).one()
    assert db.scalar(select(Organizer.organisation_id).where(Organizer.user_id == user.id)) == (
        organisation.id
    )


def test_the_administrator_sets_it_up_and_the_secret_is_stored_encrypted(
    client, db, organisation, provider_process
):
    admin = make_user(db, is_admin=True)
    db.commit()
    client.login_as(admin)
    url = f"/admin/organisations/{organisation.id}/sign-in"
    assert "/sign-in/callback" in client.get(url).get_data(as_text=True)
    form = {
        "issuer": provider_process.issuer,
        "client_id": CLIENT_ID,
        "client_secret": "the very secret value",
        "domains": f"@{DOMAIN.upper()}\nfilial.{DOMAIN}",
        "enabled": "y",
    }
    assert client.post_form(url, {**form, "issuer": "http://idp.example"}).status_code == 200
    assert client.post_form(url, form).location == url
    page = client.get(url).get_data(as_text=True)
    assert "the very secret value" not in page and f"filial.{DOMAIN}" in page
    stored = sign_in.provider_of(db, organisation.id)
    assert "the very secret value" not in stored.client_secret_encrypted
    assert sorted(each.domain for each in stored.domains) == [f"filial.{DOMAIN}", DOMAIN]
    # Saved again without a secret: the stored one is kept.
    client.post_form(url, {**form, "client_secret": "", "required": "y"})
    db.expire_all()
    again = sign_in.provider_of(db, organisation.id)
    assert again.required and again.client_secret_encrypted == stored.client_secret_encrypted
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_provider.saved"))
    assert all("very secret" not in str(each.details) for each in event)
    # Another organisation cannot take the same domain.
    other = make_organisation(db)
    db.commit()
    taken = client.post_form(f"/admin/organisations/{other.id}/sign-in", form)
    assert taken.status_code == 200 and "covered by another organisation" in taken.text


def test_a_bad_encryption_key_is_a_startup_error():
    from academy.startup.settings import check_settings
    from tests.conftest import test_config

    report = check_settings({**test_config("sqlite://"), "SIGN_IN_ENCRYPTION_KEYS": "not a key"})
    assert any("SIGN_IN_ENCRYPTION_KEYS" in error for error in report.errors)


def test_an_account_without_a_password_is_told_so_where_its_password_is_asked(client, db):
    from academy.models import ExternalIdentity as Identity

    user = make_user(db, password_hash=None)
    db.add(Identity(user_id=user.id, issuer="https://idp.example", subject="s-1"))
    db.commit()
    client.login_as(user)
    for path, data in (
        ("/account/delete", {"password": "anything at all"}),
        ("/account/password", {"current_password": "x", "password": "y" * 12, "confirm": "y" * 12}),
    ):
        answer = client.post_form(path, data)
        assert answer.status_code == 200 and "no password here" in answer.get_data(as_text=True)
    assert db.get(User, user.id) is not None


def test_erasing_an_account_erases_its_links_and_second_factor(app, db):
    from academy.models import ExternalIdentity as Identity
    from academy.models import SecondFactor
    from academy.services import privacy
    from tests.factories import enrol_second_factor

    user = make_user(db)
    enrol_second_factor(db, user)
    db.add(Identity(user_id=user.id, issuer="https://idp.example", subject="s-2"))
    db.commit()
    with app.app_context():
        privacy.erase_account(db, user, withdraw_certificates=False)
    db.commit()
    assert db.scalar(select(func.count()).select_from(Identity)) == 0
    assert db.scalar(select(func.count()).select_from(SecondFactor)) == 0


def test_the_administrator_sees_where_a_person_signs_in(client, db):
    from academy.models import ExternalIdentity as Identity

    person = make_user(db, email=f"kim@{DOMAIN}")
    admin = make_user(db, is_admin=True)
    db.add(
        Identity(
            user_id=person.id, issuer="https://idp.example/v2.0", subject="s-3", email=person.email
        )
    )
    db.commit()
    client.login_as(admin)
    page = client.get("/admin/people", query_string={"email": person.email}).get_data(as_text=True)
    assert f"https://idp.example/v2.0 (kim@{DOMAIN})" in page


def test_the_data_export_names_the_organisations_sign_in(client, db):
    import io
    import json
    import zipfile

    from academy.models import ExternalIdentity as Identity

    person = make_user(db, email=f"lo@{DOMAIN}")
    db.add(
        Identity(
            user_id=person.id, issuer="https://idp.example/v2.0", subject="s-4", email=person.email
        )
    )
    db.commit()
    client.login_as(person)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/data.zip").data))
    account = json.loads(archive.read("data.json"))["account"]
    assert account["organisation_sign_in"][0]["issuer"] == "https://idp.example/v2.0"
    assert account["second_step_set_up_at"] is None
