"""Walk every route in the URL map: nothing changes data for an anonymous user or a viewer, no
state-changing route accepts a request without a CSRF token, and every page needs a sign-in.

The routes come from ``app.url_map`` at run time, so routes that colleagues add later are covered
without touching this file. URL variables are filled from the demo partnership.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from isa_registry.store.db import db
from isa_registry.store.models import Agreement, AuditHead, Flow, Organisation, User
from tests.api_helpers import make_token
from tests.conftest import Auth

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
#: The public register's addresses, open to everyone when the partnership publishes it (404 when not).
PUBLIC_REGISTER_GET = {
    "register.index",
    "register.download_csv",
    "register.download_json",
    "register.document",
}
PUBLIC_GET = {
    "auth.login",
    "auth.oidc_start",
    "auth.oidc_callback",
    "health.healthz",
    "static",
    *PUBLIC_REGISTER_GET,
}


def is_api(rule: Rule) -> bool:
    """The JSON API's routes take a bearer token only: a session cookie is never looked at."""
    return rule.endpoint.startswith("api.")


def is_own_account(rule: Rule) -> bool:
    """Managing one's own API tokens, which every signed-in user may do (tests/test_api_tokens.py)."""
    return rule.endpoint.startswith("account.")


def _first_key(model: Any) -> str:
    return db.session.scalar(select(model.key).order_by(model.key).limit(1))


def url_values(app: Flask) -> dict[str, Any]:
    """Values for URL variables, from the demo data."""
    with app.app_context():
        return {
            "organisations": _first_key(Organisation),
            "agreements": _first_key(Agreement),
            "flows": _first_key(Flow),
            "user_id": db.session.scalar(select(User.id).where(User.email == "viewer@demo.invalid")),
        }


def build_url(rule: Rule, values: dict[str, Any]) -> str:
    """The rule's path with every variable filled: a record key of the rule's own area (an
    organisation's for ``org_key``), an account id, the first choice of an ``any(...)``, 1 for other
    integers."""
    area = rule.endpoint.partition(".")[0]
    args: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            args[name] = sorted(converter.items)[0]
        elif name == "user_id":
            args[name] = values["user_id"]
        elif name.startswith("org") or name.startswith("organisation"):
            args[name] = values["organisations"]
        elif isinstance(converter, IntegerConverter):
            args[name] = 1
        else:
            args[name] = values.get(area) or values["organisations"]
    _, path = rule.build(args, append_unknown=False)
    return path


def routes(app: Flask, methods: tuple[str, ...]) -> list[tuple[str, Rule]]:
    """(method, rule) for every rule answering one of ``methods``, static files excluded."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(set(rule.methods or ()) & set(methods)):
            found.append((method, rule))
    return found


def snapshot(app: Flask) -> dict[str, Any]:
    """Row counts of every table, the audit head and every account's role and status."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name != "rate_limit_counter"  # counting API requests changes no data
        }
        head = db.session.execute(select(AuditHead.seq, AuditHead.hash)).all()
        accounts = db.session.execute(select(User.email, User.role, User.active).order_by(User.email)).all()
        versions = {
            model.__tablename__: db.session.scalar(select(func.coalesce(func.sum(model.version_id), 0)))
            for model in (Organisation, Agreement, Flow)
        }
        return {"counts": counts, "head": head, "accounts": accounts, "versions": versions}


@contextmanager
def csrf_enabled(app: Flask) -> Iterator[None]:
    previous = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = previous


def test_the_walk_sees_the_state_changing_routes(demo: Flask) -> None:
    endpoints = {rule.endpoint for _, rule in routes(demo, STATE_CHANGING)}
    assert {"auth.login", "auth.logout", "users.new", "users.change_role", "users.deactivate"} <= endpoints
    assert {"api.flows_create", "api.flows_update", "api.flows_archive", "api.import_registry"} <= endpoints


def test_a_session_cookie_alone_is_refused_by_every_api_route(demo: Flask, auth: Auth) -> None:
    values, before = url_values(demo), snapshot(demo)
    client = demo.test_client()
    auth.sign_in_demo(client, "admin")
    answered = []
    for method, rule in routes(demo, ("GET", *STATE_CHANGING)):
        if not is_api(rule):
            continue
        url = build_url(rule, values)
        response = client.open(
            url, method=method, json={"name": "Changed by a cookie"}, headers={"If-Match": "*"}
        )
        if response.status_code != 401:
            answered.append(f"{method} {url} answered {response.status_code}")
    assert answered == []
    assert snapshot(demo) == before


def test_the_walk_sees_the_analyses_pages_and_downloads(demo: Flask) -> None:
    endpoints = {rule.endpoint for _, rule in routes(demo, ("GET",))}
    assert {
        "analyses.index",
        "analyses.who_receives",
        "analyses.who_receives_download",
        "analyses.breach_impact",
        "analyses.breach_impact_download",
    } <= endpoints


def test_the_walk_sees_the_decision_routes(demo: Flask) -> None:
    endpoints = {rule.endpoint for _, rule in routes(demo, STATE_CHANGING)}
    assert {
        "decisions.decide",
        "decisions.withdraw",
        "decisions.assign",
        "decisions.decide_many",
    } <= endpoints


def test_the_walk_sees_my_tasks(demo: Flask) -> None:
    assert "tasks.index" in {rule.endpoint for _, rule in routes(demo, ("GET",))}


def test_every_signed_in_role_opens_my_tasks_and_changes_nothing(demo: Flask, auth: Auth) -> None:
    before = snapshot(demo)
    for role in ("viewer", "editor", "admin"):
        client = demo.test_client()
        auth.sign_in_demo(client, role)
        assert client.get("/my-tasks").status_code == 200, role
    assert snapshot(demo) == before


def test_anonymous_users_change_nothing(demo: Flask) -> None:
    values, before = url_values(demo), snapshot(demo)
    client = demo.test_client()
    refused = []
    for method, rule in routes(demo, STATE_CHANGING):
        if rule.endpoint == "auth.login":
            continue
        url = build_url(rule, values)
        response = client.open(url, method=method, data={"name": "Changed by nobody", "role": "admin"})
        to_login = response.status_code in (302, 303) and urlsplit(response.location).path == "/login"
        if not (to_login or response.status_code in (401, 403)):
            refused.append(f"{method} {url} answered {response.status_code}")
    assert refused == []
    assert snapshot(demo) == before


def test_viewers_are_refused_every_change(demo: Flask, auth: Auth) -> None:
    token = make_token(demo, auth, "viewer")
    values, before = url_values(demo), snapshot(demo)
    client = demo.test_client()
    auth.sign_in_demo(client, "viewer")
    wrong = []
    for method, rule in routes(demo, STATE_CHANGING):
        if rule.endpoint in ("auth.login", "auth.logout"):  # signing in and out change no data
            continue
        if is_own_account(rule):
            continue
        url = build_url(rule, values)
        if is_api(rule):
            response = demo.test_client().open(
                url,
                method=method,
                json={"name": "Changed by a viewer"},
                headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
            )
        else:
            response = client.open(url, method=method, data={"name": "Changed by a viewer", "role": "admin"})
        if response.status_code != 403:
            wrong.append(f"{method} {url} answered {response.status_code}")
    assert wrong == []
    assert snapshot(demo) == before


def test_viewers_cannot_open_the_forms_that_change_data(demo: Flask, auth: Auth) -> None:
    values = url_values(demo)
    client = demo.test_client()
    auth.sign_in_demo(client, "viewer")
    opened = []
    for _, rule in routes(demo, ("GET",)):
        if rule.endpoint == "auth.login" or not set(rule.methods or ()) & set(STATE_CHANGING):
            continue
        url = build_url(rule, values)
        response = client.get(url)
        if response.status_code != 403:
            opened.append(f"GET {url} answered {response.status_code}")
    assert opened == []


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_no_change_is_accepted_without_a_csrf_token(demo: Flask, auth: Auth, role: str) -> None:
    values = url_values(demo)
    client = demo.test_client()
    auth.sign_in_demo(client, role)  # CSRF is still off here
    before = snapshot(demo)
    accepted = []
    with csrf_enabled(demo):
        for method, rule in routes(demo, STATE_CHANGING):
            url = build_url(rule, values)
            response = client.open(url, method=method, data={"name": "Forged", "role": "viewer"})
            if is_api(rule) and response.status_code == 401:  # the session is not even looked at
                continue
            if response.status_code != 400:
                accepted.append(f"{method} {url} answered {response.status_code}")
    assert accepted == []
    assert snapshot(demo) == before


def test_signing_in_needs_a_csrf_token(demo: Flask) -> None:
    client = demo.test_client()
    with csrf_enabled(demo):
        response = client.post(
            "/login", data={"email": "admin@demo.invalid", "password": "demo-admin-password"}
        )
        assert response.status_code == 400
        assert client.get("/").status_code == 302


def test_every_page_but_sign_in_and_health_needs_a_sign_in(demo: Flask) -> None:
    values = url_values(demo)
    client = demo.test_client()
    open_pages = []
    for _, rule in routes(demo, ("GET",)):
        if rule.endpoint in PUBLIC_GET:
            continue
        url = build_url(rule, values)
        response = client.get(url)
        if is_api(rule):
            if response.status_code != 401 or response.mimetype != "application/problem+json":
                open_pages.append(f"GET {url} answered {response.status_code}")
        elif response.status_code != 302 or urlsplit(response.location).path != "/login":
            open_pages.append(f"GET {url} answered {response.status_code}")
    assert open_pages == []


def test_the_walk_sees_the_document_pages_and_downloads(demo: Flask) -> None:
    endpoints = {rule.endpoint for _, rule in routes(demo, ("GET",))}
    assert {
        "documents.agreement_download",
        "documents.download",
        "documents.privacy_notice",
        "documents.privacy_notice_download",
        *PUBLIC_REGISTER_GET,
    } <= endpoints


def test_the_public_register_is_not_found_when_off_and_open_to_anyone_when_on(
    demo: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = url_values(demo)
    client = demo.test_client()
    public = [rule for _, rule in routes(demo, ("GET",)) if rule.endpoint in PUBLIC_REGISTER_GET]
    assert len(public) == len(PUBLIC_REGISTER_GET)
    for rule in public:
        assert client.get(build_url(rule, values)).status_code == 404, rule.rule
    monkeypatch.setitem(demo.config, "PUBLIC_REGISTER", "1")
    for rule in public:
        if rule.endpoint != "register.document":  # the demo publishes no agreement: 404 is right
            assert client.get(build_url(rule, values)).status_code == 200, rule.rule


def test_sign_in_health_and_static_files_are_open(demo: Flask) -> None:
    client = demo.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200


def test_an_unknown_address_sends_anonymous_users_to_sign_in(demo: Flask) -> None:
    response = demo.test_client().get("/no-such-page")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


# --- Partners ----------------------------------------------------------------------------------

#: A partner account of Barnardo's, a party to DSPP-ISA-008 and DSPP-ISA-009 only, and what it
#: must never see: the agreement between Dudley MBC and Cafcass, its title and the key of its flow.
PARTNER = ("partner@barnardos.example.org", "barnardos partner password")
HIDDEN = (
    "DSPP-ISA-011",
    "Public law proceedings: information sharing protocol between Dudley MBC and Cafcass",
    "FLOW-018",
)
#: A key no record has, to count how often a page echoes what was asked for.
ECHO = "NO-SUCH-RECORD-KEY"
#: URL values the partner may see, and values of the records it may not.
PARTNER_VALUES = {
    "own": {"organisations": "barnardos", "agreements": "DSPP-ISA-008", "flows": "FLOW-054"},
    "hidden": {"organisations": "cafcass", "agreements": "DSPP-ISA-011", "flows": "FLOW-018"},
}
#: Searches and filters that would find the hidden agreement for anyone else.
SEARCHES = (
    "/agreements/?q=DSPP-ISA-011",
    "/agreements/?party=cafcass",
    "/flows/?agreement=DSPP-ISA-011",
    "/flows/?q=FLOW-018",
    "/flows/?severity=error",
    "/organisations/?q=cafcass",
    "/findings?subject_type=agreement",
    "/map?organisation=cafcass",
    "/map.json?organisation=cafcass",
    "/ropa.csv?controller=cafcass",
    "/ropa.csv?controller=dudley-mbc",
    "/analyses/who-receives?subjects=children&category=health&from=dudley-mbc",
    "/analyses/breach-impact?organisation=dudley-mbc",
)


def partner_client(app: Flask) -> FlaskClient:
    """A client signed in as the partner account of Barnardo's (made if missing)."""
    from isa_registry.store import users

    with app.app_context():
        if users.find(db.session, PARTNER[0]) is None:
            users.create_user(
                db.session,
                "test",
                users.NewAccount(PARTNER[0], "partner", PARTNER[1], organisation="barnardos"),
            )
    client = app.test_client()
    Auth.sign_in_as(client, *PARTNER)
    return client


def partner_token(app: Flask) -> str:
    from isa_registry.store import tokens, users

    partner_client(app)
    with app.app_context():
        user = users.find(db.session, PARTNER[0])
        assert user is not None
        return tokens.create(db.session, "test", user, "partner")[1]


def readable(response: Any) -> str:
    """A response's text, a workbook's sheets unpacked (its XML is compressed in the file)."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return "".join(
                book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml")
            )
    return response.get_data().decode("utf-8", errors="replace")


@pytest.mark.parametrize("which", ["own", "hidden"])
def test_a_partner_sees_nothing_of_an_agreement_its_organisation_is_not_party_to(
    demo: Flask, which: str
) -> None:
    values = {**url_values(demo), **PARTNER_VALUES[which]}
    client, token = partner_client(demo), partner_token(demo)
    leaks, answered = [], 0
    urls = [(rule, build_url(rule, values)) for _, rule in routes(demo, ("GET",))]
    urls += [(None, url) for url in SEARCHES]

    def get(rule: Rule | None, url: str) -> Any:
        if rule is not None and is_api(rule):
            return demo.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
        return client.get(url)

    for rule, url in urls:
        if rule is not None and rule.endpoint in PUBLIC_GET:
            continue
        response = get(rule, url)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        answered += response.status_code == 200
        body = readable(response)
        for text in HIDDEN:
            # What the partner typed may be echoed back (a search box): as often as a key no
            # record has would be, and no more.
            echoed = readable(get(rule, url.replace(text, ECHO))).count(ECHO) if text in url else 0
            if body.count(text) > echoed:
                leaks.append(f"GET {url} shows {text!r}")
    assert leaks == []
    assert answered > 20  # the walk read pages, not only refusals


def test_a_partner_is_shown_its_own_agreements(demo: Flask) -> None:
    client = partner_client(demo)
    listed = client.get("/agreements/?include_archived=1").text
    assert "DSPP-ISA-008" in listed and "DSPP-ISA-009" in listed
    assert "DSPP-ISA-001" not in listed
    assert "FLOW-054" in client.get("/flows/").text
    assert "Reflect" in client.get("/agreements/DSPP-ISA-008").text
    assert client.get("/agreements/DSPP-ISA-001").status_code == 404


def test_a_partner_is_refused_every_change_but_signing_for_its_own_organisation(demo: Flask) -> None:
    client, token = partner_client(demo), partner_token(demo)
    before = snapshot(demo)
    wrong = []
    for which in ("own", "hidden"):
        values = {**url_values(demo), **PARTNER_VALUES[which]}
        for method, rule in routes(demo, STATE_CHANGING):
            if rule.endpoint in ("auth.login", "auth.logout") or is_own_account(rule):
                continue
            if rule.endpoint == "agreements.sign" and which == "own":
                continue  # signing for its own organisation: tests/test_partners.py
            url = build_url(rule, values)
            if is_api(rule):
                response = demo.test_client().open(
                    url,
                    method=method,
                    json={"name": "Changed by a partner"},
                    headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
                )
            else:
                response = client.open(
                    url,
                    method=method,
                    data={"name": "Changed by a partner", "role": "admin", "outcome": "approved"},
                )
            if response.status_code not in (403, 404):
                wrong.append(f"{method} {url} answered {response.status_code}")
    assert wrong == []
    assert snapshot(demo) == before


@pytest.mark.parametrize(
    "url",
    ["/users", "/users/new", "/audit", "/agreements/new", "/agreements/DSPP-ISA-008/edit", "/my-actions"],
)
def test_a_partner_cannot_open_the_pages_it_must_not_use(demo: Flask, url: str) -> None:
    assert partner_client(demo).get(url).status_code == 403


def test_a_partner_signs_only_for_its_own_organisation(demo: Flask) -> None:
    client = partner_client(demo)
    response = client.post(
        "/agreements/DSPP-ISA-009/parties/dudley-mbc/sign",
        data={"signed_by": "Someone Else", "signatory_role": "Director"},
    )
    assert response.status_code == 403
    with demo.app_context():
        parties = db.session.scalars(select(Agreement).where(Agreement.key == "DSPP-ISA-009")).one().parties
        assert all(p.signed_on is None for p in parties)
