"""The JSON API: records in the isa-registry/1 shape, paging with Link headers, ETag/If-Match,
problem+json errors with the importer's and the forms' messages, roles, limits and the reports."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from isa_registry.store.db import db
from isa_registry.store.models import AuditEntry, Flow
from tests.api_helpers import Api, make_token
from tests.conftest import Auth


@pytest.fixture()
def editor(dudley: Flask, auth: Auth) -> Api:
    return Api(dudley.test_client(), make_token(dudley, auth, "editor", "case system"))


@pytest.fixture()
def viewer(dudley: Flask, auth: Auth) -> Api:
    return Api(dudley.test_client(), make_token(dudley, auth, "viewer"))


@pytest.fixture()
def admin(dudley: Flask, auth: Auth) -> Api:
    return Api(dudley.test_client(), make_token(dudley, auth, "admin"))


def _first_flow(api: Api) -> tuple[str, str]:
    key = api.get("/api/v1/flows?per_page=1").json["items"][0]["key"]
    return key, api.get(f"/api/v1/flows/{key}").headers["ETag"]


def test_lists_answer_items_paging_and_a_link_header(viewer: Api) -> None:
    response = viewer.get("/api/v1/flows?per_page=10&page=2")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["per_page"], len(body["items"])) == (2, 10, 10)
    link = response.headers["Link"]
    for rel in ("first", "last", "prev", "next"):
        assert f'rel="{rel}"' in link
    assert "page=3" in link and "per_page=10" in link


def test_lists_are_in_a_stable_order_and_pages_do_not_overlap(viewer: Api) -> None:
    first = [f["key"] for f in viewer.get("/api/v1/flows?per_page=20&page=1").json["items"]]
    second = [f["key"] for f in viewer.get("/api/v1/flows?per_page=20&page=2").json["items"]]
    assert first == sorted(first) and not set(first) & set(second)
    assert first == [f["key"] for f in viewer.get("/api/v1/flows?per_page=20&page=1").json["items"]]


def test_lists_filter_and_search_as_the_list_pages_do(viewer: Api) -> None:
    everything = viewer.get("/api/v1/agreements?per_page=500").json["items"]
    active = viewer.get("/api/v1/agreements?status=active&per_page=500").json["items"]
    assert active and all(a["status"] == "active" for a in active)
    assert len(active) == sum(a["status"] == "active" for a in everything)
    word = everything[0]["title"].split()[0]
    found = viewer.get(f"/api/v1/agreements?q={word}").json["items"]
    assert found and all(word.lower() in (a["title"] + a["key"]).lower() for a in found)


def test_records_are_in_the_exchange_shape_with_keys_not_ids(viewer: Api) -> None:
    flow = viewer.get("/api/v1/flows?per_page=1").json["items"][0]
    assert {"key", "source", "recipient", "identifiability"} <= set(flow)
    assert "id" not in flow and isinstance(flow["source"], str)


def test_per_page_above_500_is_refused(viewer: Api) -> None:
    response = viewer.get("/api/v1/flows?per_page=501")
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "per_page"


def test_a_record_carries_its_version_as_an_etag(viewer: Api) -> None:
    key, etag = _first_flow(viewer)
    response = viewer.get(f"/api/v1/flows/{key}")
    assert response.status_code == 200 and response.json["key"] == key and etag.strip('"').isdigit()


def test_an_unknown_record_is_404_problem_json(viewer: Api) -> None:
    response = viewer.get("/api/v1/flows/NO-SUCH-FLOW")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404 and "NO-SUCH-FLOW" in response.json["detail"]


def test_a_session_cookie_never_authenticates_the_api(dudley: Flask, auth: Auth) -> None:
    client = auth.client("admin")
    assert client.get("/flows/").status_code == 200
    assert client.get("/api/v1/flows").status_code == 401
    assert client.post("/api/v1/flows", json={}).status_code == 401


def test_an_update_with_if_match_saves_and_moves_the_etag_on(editor: Api, dudley: Flask) -> None:
    key, etag = _first_flow(editor)
    response = editor.patch(
        f"/api/v1/flows/{key}", json={"retention": "Seven years"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert response.json["retention"] == "Seven years"
    assert response.headers["ETag"] != etag
    with dudley.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and entry.subject_key == key and entry.action == "update"
        assert entry.actor == "editor@example.org (API token case system)"


def test_an_update_without_if_match_is_428(editor: Api) -> None:
    key, _ = _first_flow(editor)
    response = editor.patch(f"/api/v1/flows/{key}", json={"retention": "x"})
    assert response.status_code == 428
    assert response.mimetype == "application/problem+json"


def test_a_stale_if_match_is_412_with_the_current_record_and_nothing_is_lost(editor: Api) -> None:
    key, etag = _first_flow(editor)
    first = editor.patch(f"/api/v1/flows/{key}", json={"retention": "Mine"}, headers={"If-Match": etag})
    assert first.status_code == 200
    second = editor.patch(f"/api/v1/flows/{key}", json={"retention": "Theirs"}, headers={"If-Match": etag})
    assert second.status_code == 412
    assert second.json["current"]["retention"] == "Mine"
    assert second.headers["ETag"] == first.headers["ETag"]
    assert editor.get(f"/api/v1/flows/{key}").json["retention"] == "Mine"


def test_an_impossible_date_is_refused_as_the_importer_refuses_it(editor: Api) -> None:
    key, etag = _first_flow(editor)
    response = editor.patch(
        f"/api/v1/flows/{key}", json={"start_date": "0000-00-00"}, headers={"If-Match": etag}
    )
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"field": "start_date", "message": "'0000-00-00' is not a date in the form YYYY-MM-DD"}
    ]


def test_a_merge_patch_null_removes_an_optional_field_and_a_required_one_is_named(editor: Api) -> None:
    key, etag = _first_flow(editor)
    removed = editor.patch(f"/api/v1/flows/{key}", json={"retention": None}, headers={"If-Match": etag})
    assert removed.status_code == 200 and removed.json["retention"] is None
    refused = editor.patch(
        f"/api/v1/flows/{key}", json={"name": None}, headers={"If-Match": removed.headers["ETag"]}
    )
    assert refused.status_code == 422
    assert {"field": "name", "message": "is required"} in refused.json["errors"]


def test_the_forms_checks_apply_with_their_messages(editor: Api) -> None:
    key, etag = _first_flow(editor)
    flow = editor.get(f"/api/v1/flows/{key}").json
    response = editor.patch(
        f"/api/v1/flows/{key}", json={"recipient": flow["source"]}, headers={"If-Match": etag}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["recipient"]


def test_the_key_of_a_record_cannot_be_changed(editor: Api) -> None:
    key, etag = _first_flow(editor)
    response = editor.patch(f"/api/v1/flows/{key}", json={"key": "OTHER"}, headers={"If-Match": etag})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "key"


def test_bad_json_unknown_fields_and_wrong_types_are_400_or_422(editor: Api) -> None:
    bad = editor.post("/api/v1/flows", data="{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    flow = editor.get("/api/v1/flows?per_page=1").json["items"][0]
    unknown = editor.post("/api/v1/flows", json={**flow, "key": "NEW-1", "colour": "blue"})
    assert unknown.status_code == 422
    assert {"field": "", "message": "unknown field(s): colour"} in unknown.json["errors"]
    wrong = editor.post("/api/v1/flows", json={**flow, "key": "NEW-2", "official_authority": "yes"})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "official_authority"
    not_an_object = editor.post("/api/v1/flows", json=[1, 2])
    assert not_an_object.status_code == 422


def test_creating_a_record_answers_201_with_its_etag_and_location(editor: Api) -> None:
    flow = editor.get("/api/v1/flows?per_page=1").json["items"][0]
    response = editor.post("/api/v1/flows", json={**flow, "key": "API-NEW-1", "archived": False})
    assert response.status_code == 201, response.json
    assert response.headers["Location"].endswith("/api/v1/flows/API-NEW-1")
    assert response.headers["ETag"] == '"1"'
    duplicate = editor.post("/api/v1/flows", json={**flow, "key": "API-NEW-1"})
    assert duplicate.status_code == 422
    assert duplicate.json["errors"] == [
        {"field": "key", "message": "A flow with key API-NEW-1 already exists"}
    ]


def test_archive_and_restore_need_if_match_and_answer_the_record(editor: Api) -> None:
    key, etag = _first_flow(editor)
    assert editor.post(f"/api/v1/flows/{key}/archive").status_code == 428
    archived = editor.post(f"/api/v1/flows/{key}/archive", headers={"If-Match": etag})
    assert archived.status_code == 200 and archived.json["archived"] is True
    assert editor.post(f"/api/v1/flows/{key}/restore", headers={"If-Match": etag}).status_code == 412
    restored = editor.post(f"/api/v1/flows/{key}/restore", headers={"If-Match": archived.headers["ETag"]})
    assert restored.status_code == 200 and restored.json["archived"] is False


def test_archiving_what_live_records_depend_on_is_409(editor: Api, dudley: Flask) -> None:
    with dudley.app_context():
        flow = db.session.scalars(select(Flow).where(Flow.agreement_id.is_not(None))).first()
        assert flow is not None and flow.agreement is not None
        key = flow.agreement.key
    etag = editor.get(f"/api/v1/agreements/{key}").headers["ETag"]
    response = editor.post(f"/api/v1/agreements/{key}/archive", headers={"If-Match": etag})
    assert response.status_code == 409 and response.json["errors"]


WRITES = [
    ("POST", "/api/v1/{section}"),
    ("PATCH", "/api/v1/{section}/{key}"),
    ("POST", "/api/v1/{section}/{key}/archive"),
    ("POST", "/api/v1/{section}/{key}/restore"),
]


def test_a_viewer_token_is_refused_every_write(viewer: Api, dudley: Flask) -> None:
    before = viewer.get("/api/v1/flows?per_page=500").json
    refused = []
    for section in ("organisations", "agreements", "flows"):
        key = viewer.get(f"/api/v1/{section}?per_page=1").json["items"][0]["key"]
        for method, path in WRITES:
            url = path.format(section=section, key=key)
            response = viewer.call(
                method, url, json={"name": "Changed by a viewer"}, headers={"If-Match": "*"}
            )
            refused.append(response.status_code)
    refused.append(viewer.post("/api/v1/registry", json={}).status_code)
    refused.append(viewer.get("/api/v1/registry").status_code)
    assert set(refused) == {403}
    assert viewer.get("/api/v1/flows?per_page=500").json == before


def test_an_editor_may_not_export_or_import_the_whole_registry(editor: Api) -> None:
    assert editor.get("/api/v1/registry").status_code == 403
    assert editor.post("/api/v1/registry", json={}).status_code == 403


def test_an_admin_exports_and_imports_all_or_nothing(admin: Api) -> None:
    document = admin.get("/api/v1/registry").json
    assert document["format"] == "isa-registry/1" and document["flows"]
    document["flows"][0]["retention"] = "Changed by import"
    document["flows"][1]["start_date"] = "2026-02-30"
    refused = admin.post("/api/v1/registry", json=document)
    assert refused.status_code == 422
    assert any(e["field"] == "start_date" for e in refused.json["errors"])
    key = document["flows"][0]["key"]
    assert admin.get(f"/api/v1/flows/{key}").json["retention"] != "Changed by import"
    document["flows"][1]["start_date"] = None
    imported = admin.post("/api/v1/registry", json=document)
    assert imported.status_code == 200, imported.json
    assert imported.json["updated"]["flow"] >= 1
    assert admin.get(f"/api/v1/flows/{key}").json["retention"] == "Changed by import"


def test_findings_are_filtered_by_severity_and_as_of(viewer: Api) -> None:
    response = viewer.get("/api/v1/findings?severity=error&as_of=2026-01-01&per_page=5")
    assert response.status_code == 200
    body = response.json
    assert body["as_of"] == "2026-01-01"
    assert body["items"] and all(f["severity"] == "error" for f in body["items"])
    assert body["total"] == body["summary"]["error"]
    assert viewer.get("/api/v1/findings?as_of=2026-02-30").status_code == 400


def test_the_map_is_node_link_json_with_the_pages_filters(viewer: Api) -> None:
    organisation = viewer.get("/api/v1/organisations?per_page=1").json["items"][0]["key"]
    whole = viewer.get("/api/v1/map")
    centred = viewer.get(f"/api/v1/map?organisation={organisation}")
    assert whole.status_code == 200 and centred.status_code == 200
    assert json.loads(centred.data)["filters"]["organisation"] == organisation
    assert viewer.get("/api/v1/map?organisation=NOBODY").status_code == 400


def test_the_ropa_downloads_as_csv_and_xlsx(viewer: Api) -> None:
    csv = viewer.get("/api/v1/ropa.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and b"Controller" in csv.data
    xlsx = viewer.get("/api/v1/ropa.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_rate_limit_answers_429_with_retry_after(viewer: Api, dudley: Flask) -> None:
    dudley.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [viewer.get("/api/v1/openapi.json").status_code for _ in range(3)]
        last = viewer.get("/api/v1/openapi.json")
    finally:
        dudley.config["API_RATE_LIMIT"] = "600 per minute"
    assert statuses == [200, 200, 200]
    assert last.status_code == 429 and int(last.headers["Retry-After"]) >= 1
    assert last.mimetype == "application/problem+json"


def test_a_body_too_large_is_413(editor: Api, dudley: Flask) -> None:
    dudley.config["API_MAX_BODY"] = 100
    try:
        response = editor.post("/api/v1/flows", json={"name": "x" * 500})
    finally:
        dudley.config["API_MAX_BODY"] = 1024 * 1024
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_a_method_the_address_does_not_take_is_405_problem_json(viewer: Api) -> None:
    response = viewer.call("DELETE", "/api/v1/flows")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_bearer_requests_need_no_csrf_token(editor: Api, dudley: Flask) -> None:
    key, etag = _first_flow(editor)
    dudley.config["WTF_CSRF_ENABLED"] = True
    try:
        response = editor.patch(
            f"/api/v1/flows/{key}", json={"retention": "With CSRF on"}, headers={"If-Match": etag}
        )
    finally:
        dudley.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200


def test_the_openapi_document_uses_the_exchange_formats_record_schemas(viewer: Api) -> None:
    from isa_registry.core import exchange

    document = viewer.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert document["components"]["schemas"]["Flow"] == exchange.schema()["properties"]["flows"]["items"]
    assert {"get", "post"} <= set(document["paths"]["/api/v1/flows"])
    assert {"get", "patch"} <= set(document["paths"]["/api/v1/flows/{key}"])


def test_the_api_docs_page_lists_the_operations_for_signed_in_users(dudley: Flask, auth: Auth) -> None:
    assert dudley.test_client().get("/api/docs").status_code == 302
    page = auth.client("viewer").get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/flows/{key}" in html and "PATCH" in html
    assert auth.client("viewer").get("/api/docs/openapi.json").json["openapi"] == "3.1.0"


def test_a_nul_character_in_the_query_or_the_body_is_400_not_500(editor: Api) -> None:
    assert editor.get("/api/v1/organisations?q=%00").status_code == 400
    key, etag = _first_flow(editor)
    response = editor.patch(f"/api/v1/flows/{key}", json={"retention": "a\x00b"}, headers={"If-Match": etag})
    assert response.status_code == 400
    assert response.json["errors"] == [{"field": "retention", "message": "must not contain a NUL character"}]


def test_the_api_export_and_import_carry_decisions_as_the_command_line_does(admin: Api) -> None:
    document = admin.get("/api/v1/registry").json
    assert document["decisions"] == []
    finding = next(
        f for f in admin.get("/api/v1/findings?per_page=500").json["items"] if f["subject_type"] == "flow"
    )
    key = finding["subject_key"]
    document["decisions"] = [
        {
            "subject_type": "flow",
            "subject_key": key,
            "code": finding["code"],
            "decision": "not_applicable",
            "reason": "A statutory return: the statute requires the disclosure.",
            "decided_by": "dpo@example.org",
            "decided_on": "2026-11-20",
            "review_by": None,
            "message": finding["message"],
            "withdrawn_on": None,
        }
    ]
    imported = admin.post("/api/v1/registry", json=document)
    assert imported.status_code == 200, imported.json
    again = admin.get("/api/v1/registry").json
    assert again["decisions"] == document["decisions"]
    document["decisions"][0]["reason"] = "   "
    refused = admin.post("/api/v1/registry", json=document)
    assert refused.status_code == 422
    assert any(e["field"] == "reason" for e in refused.json["errors"])


def _as_text(item: dict) -> str:
    return json.dumps(item, sort_keys=True)


def _decide_first(
    app: Flask, severity: str, review_by_days: int | None, subject_type: str | None = None
) -> tuple[str, str, str]:
    """Decide (not applicable) on the first finding of ``severity`` (about a ``subject_type``)
    today; its identity."""
    from datetime import date, timedelta

    from isa_registry.store.decisions import decide
    from isa_registry.store.queries import checked_registry

    today = date.today()
    with app.app_context():
        finding = next(
            f
            for f in checked_registry(today).findings
            if f.severity == severity and subject_type in (None, f.subject_type)
        )
        review_by = today + timedelta(days=review_by_days) if review_by_days is not None else None
        decide(db.session, "dpo@example.org", True, finding, "not_applicable", "Statutory.", review_by, today)
        return finding.subject_type, finding.subject_key, finding.code


def test_findings_carry_their_state_and_decision_as_check_gives_them(
    dudley: Flask, viewer: Api, runner
) -> None:
    from datetime import date, timedelta

    error = _decide_first(dudley, "error", None)
    warning = _decide_first(dudley, "warning", 10)
    later = (date.today() + timedelta(days=11)).isoformat()
    checked = json.loads(runner.invoke(args=["check", "--format", "json", "--as-of", later]).stdout)
    found = viewer.get(f"/api/v1/findings?as_of={later}&per_page=500").json["items"]
    assert sorted(found, key=_as_text) == sorted(checked["findings"], key=_as_text)
    states = {(f["subject_type"], f["subject_key"], f["code"]): f["state"] for f in found}
    assert (states[error], states[warning]) == ("decided", "lapsed")
    decided = next(f for f in found if (f["subject_type"], f["subject_key"], f["code"]) == error)
    assert decided["decision"] == {
        "decision": "not_applicable",
        "reason": "Statutory.",
        "decided_by": "dpo@example.org",
        "decided_on": date.today().isoformat(),
        "review_by": None,
    }
    assert all(f["decision"] is None for f in found if f["state"] == "open")


def test_findings_are_filtered_by_state_as_on_the_findings_page(dudley: Flask, viewer: Api) -> None:
    error = _decide_first(dudley, "error", None)
    decided = viewer.get("/api/v1/findings?state=decided").json
    assert [(f["subject_type"], f["subject_key"], f["code"]) for f in decided["items"]] == [error]
    assert decided["total"] == 1 and decided["items"][0]["state"] == "decided"
    still_open = viewer.get("/api/v1/findings?state=open&per_page=500").json
    everything = viewer.get("/api/v1/findings?per_page=500").json
    assert still_open["total"] == everything["total"] - 1
    assert all(f["state"] == "open" for f in still_open["items"])
    refused = viewer.get("/api/v1/findings?state=closed")
    assert refused.status_code == 400 and refused.json["errors"][0]["field"] == "state"


def test_the_openapi_document_describes_findings_with_their_state_and_decision(
    dudley: Flask, viewer: Api
) -> None:
    import jsonschema

    _decide_first(dudley, "error", 30)
    document = viewer.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/findings"]["get"]
    state = next(p for p in operation["parameters"] if p["name"] == "state")
    assert state["schema"]["enum"] == ["open", "decided", "lapsed"]
    assert {"state", "decision"} <= set(document["components"]["schemas"]["Finding"]["required"])
    page = {"$ref": "#/components/schemas/FindingPage", "components": document["components"]}
    for query in ("state=decided", "state=open&per_page=3"):
        body = viewer.get(f"/api/v1/findings?{query}").json
        assert body["items"]
        jsonschema.Draft202012Validator(page).validate(body)
    wrong = viewer.get("/api/v1/findings?state=decided").json
    wrong["items"][0]["decision"]["decision"] = "ignored"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(page).validate(wrong)


def test_the_maps_json_colours_by_open_findings_as_the_map_page_does(
    dudley: Flask, viewer: Api, auth: Auth
) -> None:
    _, key, code = _decide_first(dudley, "error", None, "flow")
    edges = {e["key"]: e for e in json.loads(viewer.get("/api/v1/map").data)["graph"]["edges"]}
    assert code in [f["code"] for f in edges[key]["decided"]]
    assert code not in [f["code"] for f in edges[key]["findings"]]
    # The page and the API keep one graph per revision between them: each shows the same.
    assert auth.client("viewer").get("/map").status_code == 200
    again = {e["key"]: e for e in json.loads(viewer.get("/api/v1/map").data)["graph"]["edges"]}
    assert again == edges


def test_the_rate_limit_is_counted_in_the_database_per_token(viewer: Api, dudley: Flask, auth: Auth) -> None:
    from sqlalchemy import delete

    from isa_registry.store.models import RateLimitCounter

    other = Api(dudley.test_client(), make_token(dudley, auth, "viewer", "another"))
    dudley.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        assert [viewer.get("/api/v1/openapi.json").status_code for _ in range(3)] == [200, 200, 429]
        assert other.get("/api/v1/openapi.json").status_code == 200  # each token has its own count
        with dudley.app_context():
            counts = sorted(db.session.scalars(select(RateLimitCounter.count)).all())
            assert counts == [1, 3]  # one counter per token, the refused request counted too
            db.session.execute(delete(RateLimitCounter))
            db.session.commit()
        # The count lives in the database, not in the process: emptied there, the token may go on.
        assert viewer.get("/api/v1/openapi.json").status_code == 200
    finally:
        dudley.config["API_RATE_LIMIT"] = "600 per minute"
