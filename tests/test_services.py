"""The write side: create, update, archive, sign and the agreement lifecycle, each audited, each
one transaction; and the list and history reads the record pages use."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from isa_registry.core.domain import Party
from isa_registry.core.exchange import agreement_to_dict, flow_to_dict, organisation_to_dict
from isa_registry.store import audit, services, writes
from isa_registry.store.db import db
from isa_registry.store.models import Agreement as AgreementModel
from isa_registry.store.models import AgreementParty, AuditEntry
from isa_registry.store.models import Flow as FlowModel
from isa_registry.store.models import Organisation as OrganisationModel
from isa_registry.store.services import ArchiveBlocked, InvalidRecord, ListParams, NotFound, StaleRecord
from tests.builders import agreement, flow, organisation

ACTOR = "editor@example.gov.uk"
TODAY = date(2026, 11, 23)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def entries(session, subject_key: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if subject_key:
        stmt = stmt.where(AuditEntry.subject_key == subject_key)
    return list(session.scalars(stmt))


@pytest.fixture()
def partners(session):
    """Three organisations, created through the services."""
    for key in ("dudley", "wmp", "bcicb"):
        services.create_organisation(session, ACTOR, organisation(key))
    return session


def draft(key: str = "ISA-1", parties: tuple[str, ...] = ("dudley", "wmp"), **overrides):
    """A draft agreement with unsigned parties."""
    values = {"status": "draft", **overrides}
    return replace(agreement(key, parties=parties, **values), parties=[Party(k) for k in parties])


def version(session, model, key: str) -> int:
    session.expire_all()
    return session.scalar(select(model.version_id).where(model.key == key))


# --- Organisations -----------------------------------------------------------------------------


def test_creating_an_organisation_writes_it_and_audits_it(session):
    saved = services.create_organisation(session, ACTOR, organisation("wmp"))

    row = session.scalars(select(OrganisationModel)).one()
    assert (row.key, row.name, row.public_authority, row.version_id) == (
        "wmp",
        "West Midlands Police",
        True,
        1,
    )
    [entry] = entries(session)
    assert (entry.actor, entry.action, entry.subject_type, entry.subject_key) == (
        ACTOR,
        "create",
        "organisation",
        "wmp",
    )
    assert entry.before is None and entry.after == organisation_to_dict(saved)


def test_a_duplicate_organisation_key_is_refused_and_nothing_is_written(partners):
    with pytest.raises(InvalidRecord) as caught:
        services.create_organisation(partners, ACTOR, organisation("wmp", name="Another police force"))

    assert caught.value.errors == {"key": "An organisation with key wmp already exists"}
    assert count(partners, OrganisationModel) == 3
    assert len(entries(partners)) == 3


def test_an_organisation_cannot_succeed_itself(partners):
    with pytest.raises(InvalidRecord) as caught:
        services.update_organisation(partners, ACTOR, "wmp", organisation("wmp", successor="wmp"), 1)
    assert "cannot succeed itself" in caught.value.errors["successor"]


def test_updating_an_organisation_audits_before_and_after_and_bumps_its_version(partners):
    before = organisation_to_dict(services.get_organisation(partners, "wmp")[0])

    services.update_organisation(partners, ACTOR, "wmp", organisation("wmp", telephone="101"), version_id=1)

    assert version(partners, OrganisationModel, "wmp") == 2
    entry = entries(partners, "wmp")[-1]
    assert entry.action == "update"
    assert entry.before == before
    assert entry.after["telephone"] == "101"


def test_saving_an_unchanged_organisation_writes_nothing(partners):
    services.update_organisation(partners, ACTOR, "wmp", organisation("wmp"), version_id=1)

    assert version(partners, OrganisationModel, "wmp") == 1
    assert len(entries(partners, "wmp")) == 1


def test_the_key_of_an_existing_record_never_changes(partners):
    services.update_organisation(partners, ACTOR, "wmp", organisation("other-key", name="WMP"), version_id=1)

    assert services.get_organisation(partners, "wmp")[0].name == "WMP"
    assert count(partners, OrganisationModel) == 3


def test_updating_a_missing_record_is_not_found(partners):
    with pytest.raises(NotFound):
        services.update_organisation(partners, ACTOR, "nobody", organisation("nobody"), version_id=1)


# --- Optimistic locking ------------------------------------------------------------------------


def test_a_save_from_an_old_version_is_refused_with_the_current_record(partners):
    services.update_organisation(partners, ACTOR, "wmp", organisation("wmp", telephone="101"), version_id=1)

    with pytest.raises(StaleRecord) as caught:
        services.update_organisation(
            partners, ACTOR, "wmp", organisation("wmp", telephone="999"), version_id=1
        )

    stale = caught.value
    assert (stale.subject_type, stale.key, stale.version_id) == ("organisation", "wmp", 2)
    assert stale.current["telephone"] == "101"
    assert services.get_organisation(partners, "wmp")[0].telephone == "101"
    diff = services.differences(organisation_to_dict(organisation("wmp", telephone="999")), stale.current)
    assert [(d.field, d.theirs, d.current) for d in diff] == [("telephone", "999", "101")]


def test_a_concurrent_write_between_read_and_flush_is_a_stale_record(partners, monkeypatch):
    # The session has read the row at version 1; another connection then saves version 2. The
    # explicit version check is switched off, so only the UPDATE's own version check can notice.
    monkeypatch.setattr(writes, "check_version", lambda *args: None)
    row = partners.scalars(select(OrganisationModel).where(OrganisationModel.key == "wmp")).one()
    assert row.version_id == 1
    with db.engine.begin() as other:
        other.execute(text("UPDATE organisation SET telephone = '101', version_id = 2 WHERE key = 'wmp'"))

    with pytest.raises(StaleRecord) as caught:
        services.update_organisation(
            partners, ACTOR, "wmp", organisation("wmp", telephone="999"), version_id=1
        )

    assert caught.value.current["telephone"] == "101"
    assert caught.value.version_id == 2
    partners.expire_all()
    assert services.get_organisation(partners, "wmp")[0].telephone == "101"
    assert len(entries(partners, "wmp")) == 1


# --- Flows -------------------------------------------------------------------------------------


@pytest.fixture()
def with_agreement(partners):
    services.create_agreement(partners, ACTOR, draft("DSPP-ISA-001"))
    return partners


def test_creating_a_flow_writes_it_and_audits_it(with_agreement):
    s = with_agreement
    saved = services.create_flow(s, ACTOR, flow("FLOW-001", agreement_key="DSPP-ISA-001"))

    row = s.scalars(select(FlowModel)).one()
    assert row.key == "FLOW-001" and row.legislation == ["ukpga/1989/41/section/47"]
    entry = entries(s, "FLOW-001")[-1]
    assert (entry.action, entry.subject_type, entry.after) == ("create", "flow", flow_to_dict(saved))


def test_a_duplicate_flow_key_is_refused_by_name(with_agreement):
    s = with_agreement
    services.create_flow(s, ACTOR, flow("FLOW-001"))

    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(s, ACTOR, flow("FLOW-001", name="Another"))

    assert caught.value.errors["key"] == "A flow with key FLOW-001 already exists"
    assert count(s, FlowModel) == 1


def test_a_flow_from_an_organisation_to_itself_is_refused(partners):
    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(
            partners, ACTOR, flow("FLOW-001", source="wmp", recipient="wmp", agreement_key=None)
        )

    assert caught.value.errors == {"recipient": "Recipient must be a different organisation from the source"}
    assert count(partners, FlowModel) == 0


def test_a_flow_ending_before_it_starts_is_refused(partners):
    bad = flow("FLOW-001", agreement_key=None, start_date=TODAY, end_date=TODAY - timedelta(days=1))
    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(partners, ACTOR, bad)

    assert caught.value.errors == {"end_date": "End date must be the same as or after the start date"}


def test_a_flow_naming_unknown_records_names_each_field(partners):
    bad = flow("FLOW-001", source="nobody", recipient="wmp", agreement_key="NO-ISA")
    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(partners, ACTOR, bad)

    assert caught.value.errors["source"] == "Source: there is no organisation with key nobody"
    assert caught.value.errors["agreement"] == "Agreement: there is no agreement with key NO-ISA"


def test_a_new_flow_cannot_name_an_archived_organisation_but_an_old_one_keeps_it(with_agreement):
    s = with_agreement
    services.create_flow(s, ACTOR, flow("FLOW-001", recipient="bcicb", agreement_key=None))
    services.update_flow(
        s, ACTOR, "FLOW-001", flow("FLOW-001", recipient="bcicb", agreement_key=None, status="ceased"), 1
    )
    services.archive(s, ACTOR, "organisation", "bcicb")

    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(s, ACTOR, flow("FLOW-002", recipient="bcicb", agreement_key=None))
    assert (
        caught.value.errors["recipient"]
        == "Recipient: organisation bcicb is archived; choose a current organisation"
    )

    services.update_flow(
        s,
        ACTOR,
        "FLOW-001",
        flow("FLOW-001", recipient="bcicb", agreement_key=None, status="ceased", name="Renamed"),
        2,
    )
    assert services.get_flow(s, "FLOW-001")[0].name == "Renamed"


def test_paragraph_5_is_not_a_schedule1_condition(partners):
    with pytest.raises(InvalidRecord) as caught:
        services.create_flow(partners, ACTOR, flow("FLOW-001", agreement_key=None, schedule1=["5"]))
    assert "paragraph 5 is not a condition" in caught.value.errors["schedule1"]


def test_a_failure_after_the_record_is_written_leaves_nothing_behind(partners, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError):
        services.create_flow(partners, ACTOR, flow("FLOW-001", agreement_key=None))

    assert count(partners, FlowModel) == 0


def test_updating_a_flow_from_a_stale_version_keeps_the_saved_one(with_agreement):
    s = with_agreement
    services.create_flow(s, ACTOR, flow("FLOW-001"))
    services.update_flow(s, ACTOR, "FLOW-001", flow("FLOW-001", retention="1 year"), version_id=1)

    with pytest.raises(StaleRecord) as caught:
        services.update_flow(s, ACTOR, "FLOW-001", flow("FLOW-001", retention="7 years"), version_id=1)

    assert caught.value.current["retention"] == "1 year"
    assert services.get_flow(s, "FLOW-001")[0].retention == "1 year"


# --- Agreements and their lifecycle ------------------------------------------------------------


def test_a_new_agreement_cannot_start_active(partners):
    with pytest.raises(InvalidRecord) as caught:
        services.create_agreement(partners, ACTOR, agreement("ISA-1", parties=("dudley", "wmp")))

    assert "starts as draft or under review" in caught.value.errors["status"]
    assert count(partners, AgreementModel) == 0


def test_a_party_listed_twice_is_refused_naming_the_row(partners):
    bad = draft(parties=("dudley", "wmp"))
    bad.parties.append(Party("wmp"))
    with pytest.raises(InvalidRecord) as caught:
        services.create_agreement(partners, ACTOR, bad)
    assert caught.value.errors == {"parties-2-organisation": "Party 3: wmp is listed more than once"}


def test_activation_needs_every_party_to_have_signed(partners):
    services.create_agreement(partners, ACTOR, draft(status="under_review"))
    services.sign_agreement(
        partners, ACTOR, "ISA-1", "dudley", "A Director", "Director of Children's Services", TODAY, 1
    )

    with pytest.raises(InvalidRecord) as caught:
        services.set_agreement_status(partners, ACTOR, "ISA-1", "active", 2)

    assert caught.value.errors["status"].endswith("not yet signed: West Midlands Police")
    assert services.get_agreement(partners, "ISA-1")[0].status == "under_review"


def test_signing_records_who_and_when_and_the_last_signature_does_not_activate(partners):
    services.create_agreement(partners, ACTOR, draft(status="under_review"))
    services.sign_agreement(partners, ACTOR, "ISA-1", "dudley", "A Director", "DCS", TODAY, 1)
    services.sign_agreement(partners, ACTOR, "ISA-1", "wmp", "A Superintendent", "Head of PPU", TODAY, 2)

    saved, version_id = services.get_agreement(partners, "ISA-1")
    assert saved.status == "under_review" and version_id == 3
    assert [(p.organisation, p.signed_by, p.signatory_role, p.signed_on) for p in saved.parties] == [
        ("dudley", "A Director", "DCS", TODAY),
        ("wmp", "A Superintendent", "Head of PPU", TODAY),
    ]
    signs = [e for e in entries(partners, "ISA-1") if e.action == "sign"]
    assert len(signs) == 2
    assert signs[1].after["parties"][1]["signed_by"] == "A Superintendent"

    services.set_agreement_status(partners, ACTOR, "ISA-1", "active", 3)

    assert services.get_agreement(partners, "ISA-1")[0].status == "active"
    last = entries(partners, "ISA-1")[-1]
    assert (last.action, last.before["status"], last.after["status"]) == ("status", "under_review", "active")


def test_a_signature_needs_a_name_a_role_and_a_past_date(partners):
    services.create_agreement(partners, ACTOR, draft())
    with pytest.raises(InvalidRecord) as caught:
        services.sign_agreement(
            partners, ACTOR, "ISA-1", "wmp", " ", "", TODAY + timedelta(days=1), 1, today=TODAY
        )

    assert set(caught.value.errors) == {"signed_by", "signatory_role", "signed_on"}
    assert caught.value.errors["signed_on"] == "Date signed must be today or in the past"


def test_only_a_party_can_sign(partners):
    services.create_agreement(partners, ACTOR, draft())
    with pytest.raises(NotFound):
        services.sign_agreement(partners, ACTOR, "ISA-1", "bcicb", "Someone", "Role", TODAY, 1)


def test_a_terminated_agreement_is_final(partners):
    services.create_agreement(partners, ACTOR, draft())
    services.set_agreement_status(partners, ACTOR, "ISA-1", "terminated", 1)

    with pytest.raises(InvalidRecord) as caught:
        services.set_agreement_status(partners, ACTOR, "ISA-1", "draft", 2)
    assert "a terminated agreement cannot become draft" in caught.value.errors["status"]


def test_editing_parties_keeps_the_signatures_of_those_who_stay(partners):
    services.create_agreement(partners, ACTOR, draft())
    services.sign_agreement(partners, ACTOR, "ISA-1", "dudley", "A Director", "DCS", TODAY, 1)

    edited = draft(parties=("dudley", "bcicb"))
    edited.parties[0] = Party("dudley", role="joint_controller")
    services.update_agreement(partners, ACTOR, "ISA-1", edited, version_id=2)

    saved, version_id = services.get_agreement(partners, "ISA-1")
    assert [(p.organisation, p.role, p.signed_by) for p in saved.parties] == [
        ("dudley", "joint_controller", "A Director"),
        ("bcicb", "controller", None),
    ]
    assert version_id == 3
    assert count(partners, AgreementParty) == 2
    entry = entries(partners, "ISA-1")[-1]
    assert [p["organisation"] for p in entry.before["parties"]] == ["dudley", "wmp"]
    assert entry.after == agreement_to_dict(saved)


def test_a_change_to_parties_alone_bumps_the_agreement_version(partners):
    services.create_agreement(partners, ACTOR, draft())
    services.update_agreement(partners, ACTOR, "ISA-1", draft(parties=("dudley", "wmp", "bcicb")), 1)
    assert version(partners, AgreementModel, "ISA-1") == 2

    with pytest.raises(StaleRecord):
        services.update_agreement(partners, ACTOR, "ISA-1", draft(parties=("dudley",)), 1)


# --- Archiving ---------------------------------------------------------------------------------


def test_an_agreement_cited_by_flows_cannot_be_archived_until_they_move(with_agreement):
    s = with_agreement
    services.create_flow(s, ACTOR, flow("FLOW-001"))
    services.create_flow(s, ACTOR, flow("FLOW-002"))

    with pytest.raises(ArchiveBlocked) as caught:
        services.archive(s, ACTOR, "agreement", "DSPP-ISA-001")
    assert "FLOW-001, FLOW-002" in caught.value.reasons[0]
    assert services.get_agreement(s, "DSPP-ISA-001")[0].archived is False

    services.update_flow(s, ACTOR, "FLOW-001", flow("FLOW-001", agreement_key=None), 1)
    services.archive(s, ACTOR, "flow", "FLOW-002")
    services.archive(s, ACTOR, "agreement", "DSPP-ISA-001")

    assert services.get_agreement(s, "DSPP-ISA-001")[0].archived is True
    entry = entries(s, "DSPP-ISA-001")[-1]
    assert (entry.action, entry.before["archived"], entry.after["archived"]) == ("archive", False, True)


def test_an_organisation_in_live_flows_or_active_agreements_cannot_be_archived(partners):
    services.create_agreement(partners, ACTOR, draft(status="under_review"))
    services.sign_agreement(partners, ACTOR, "ISA-1", "dudley", "A", "DCS", TODAY, 1)
    services.sign_agreement(partners, ACTOR, "ISA-1", "wmp", "B", "Supt", TODAY, 2)
    services.set_agreement_status(partners, ACTOR, "ISA-1", "active", 3)
    services.create_flow(partners, ACTOR, flow("FLOW-001", agreement_key="ISA-1"))

    with pytest.raises(ArchiveBlocked) as caught:
        services.archive(partners, ACTOR, "organisation", "wmp")

    assert len(caught.value.reasons) == 2
    assert "FLOW-001" in caught.value.reasons[0]
    assert "ISA-1" in caught.value.reasons[1]
    assert services.archive_blockers(partners, "organisation", "bcicb") == []


def test_archiving_and_restoring_are_audited_and_nothing_is_deleted(partners):
    services.archive(partners, ACTOR, "organisation", "bcicb", version_id=1)
    services.restore(partners, ACTOR, "organisation", "bcicb", version_id=2)

    assert count(partners, OrganisationModel) == 3
    assert [e.action for e in entries(partners, "bcicb")] == ["create", "archive", "restore"]


def test_archiving_from_a_stale_version_is_refused(partners):
    services.update_organisation(partners, ACTOR, "bcicb", organisation("bcicb", telephone="1"), 1)
    with pytest.raises(StaleRecord):
        services.archive(partners, ACTOR, "organisation", "bcicb", version_id=1)


# --- Lists and history -------------------------------------------------------------------------


def test_organisation_list_searches_filters_sorts_and_pages_in_sql(session):
    for i in range(60):
        services.create_organisation(
            session,
            ACTOR,
            organisation(f"org-{i:02d}", name=f"Partner {i:02d}", kind="health" if i % 2 else "police"),
        )
    services.archive(session, ACTOR, "organisation", "org-00")

    first = services.list_organisations(session, ListParams())
    assert (first.total, len(first.items), first.pages) == (59, 50, 2)
    second = services.list_organisations(session, ListParams(page=2))
    assert second.items[0]["key"] == "org-51"

    desc = services.list_organisations(session, ListParams(sort="name", dir="desc"))
    assert desc.items[0]["key"] == "org-59"
    health = services.list_organisations(session, ListParams(filters={"kind": "health"}))
    assert health.total == 30
    found = services.list_organisations(session, ListParams(q="partner 1"))
    assert found.total == 10
    archived = services.list_organisations(session, ListParams(q="org-00", include_archived=True))
    assert [r["key"] for r in archived.items] == ["org-00"] and archived.items[0]["archived"]


def test_flow_list_filters_by_category_and_party(with_agreement):
    s = with_agreement
    services.create_flow(s, ACTOR, flow("FLOW-001", data_categories=["health"]))
    services.create_flow(s, ACTOR, flow("FLOW-002", source="bcicb", data_categories=["identity_contact"]))

    health = services.list_flows(s, ListParams(filters={"category": "health"}))
    assert [r["key"] for r in health.items] == ["FLOW-001"]
    from_icb = services.list_flows(s, ListParams(filters={"source": "bcicb"}))
    assert [r["key"] for r in from_icb.items] == ["FLOW-002"]
    only = services.list_flows(s, ListParams(), keys={"FLOW-002"})
    assert [r["key"] for r in only.items] == ["FLOW-002"]


def test_agreement_list_filters_by_party(with_agreement):
    s = with_agreement
    services.create_agreement(s, ACTOR, draft("ISA-2", parties=("dudley", "bcicb")))

    page = services.list_agreements(s, ListParams(filters={"party": "bcicb"}))
    assert [(r["key"], r["parties"], r["unsigned"]) for r in page.items] == [("ISA-2", 2, 2)]


def test_history_lists_a_records_changes_newest_first_with_the_fields_changed(partners):
    services.update_organisation(partners, ACTOR, "wmp", organisation("wmp", telephone="101"), 1)

    [update, create] = services.history(partners, "organisation", "wmp")
    assert (update.action, update.actor, update.changed) == ("update", ACTOR, ["telephone"])
    assert create.action == "create"


def test_one_generic_create_and_update_serve_every_record_type(partners):
    saved = services.create(partners, ACTOR, services.RECORD_TYPES["agreement"], draft("ISA-G"))
    assert saved.key == "ISA-G" and services.get(partners, services.AGREEMENT, "ISA-G")[1] == 1

    services.update(partners, ACTOR, services.ORGANISATION, "wmp", organisation("wmp", telephone="999"), 1)

    assert services.get_organisation(partners, "wmp")[0].telephone == "999"
    assert [e.action for e in entries(partners, "ISA-G")] == ["create"]
    assert [e.action for e in entries(partners, "wmp")] == ["create", "update"]
