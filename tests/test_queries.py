"""The revision-keyed cache of the checked registry."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import event

from isa_registry.core.domain import Transfer
from isa_registry.core.rules import run_rules
from isa_registry.store import queries, services
from isa_registry.store.db import db
from isa_registry.store.models import AuditHead
from isa_registry.store.queries import (
    LOADS,
    checked_registry,
    load_registry,
    registry_revision,
    replay_changes,
)
from tests.builders import agreement, flow, organisation
from tests.conftest import _empty_tables
from tests.test_exchange import small_document

DAY = date(2026, 11, 23)


def test_an_unchanged_registry_is_loaded_and_checked_once(app, runner, tmp_path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        first = checked_registry(DAY)
        db.session.rollback()  # as the next request would: another transaction
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        again = checked_registry(DAY)
        assert again is first
        assert len(statements) == 1  # the revision, nothing more
        assert {f.subject_key for f in first.findings} >= {"FLOW-001"}


def test_the_revision_is_read_once_a_transaction(app, runner, tmp_path) -> None:
    """A page keying two things by the revision reads it once; the next transaction reads it again,
    and sees a change made meanwhile."""
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        revision = registry_revision()
        assert checked_registry(DAY).revision == registry_revision() == revision
        assert len([s for s in statements if s.startswith("SELECT") and "audit_head" in s]) == 1
        with db.engine.begin() as conn:  # a change committed by another connection meanwhile
            conn.execute(AuditHead.__table__.update().values(seq=AuditHead.seq + 1, hash="moved"))
        assert registry_revision() == revision  # the transaction keeps what it read
        db.session.commit()
        assert registry_revision() == (revision[0] + 1, "moved")  # the next one reads it again
        db.session.rollback()
        assert checked_registry(DAY).revision == (revision[0] + 1, "moved")
        assert len([s for s in statements if s.startswith("SELECT") and "audit_head" in s]) == 3


def test_a_change_is_seen_at_once(app, runner, tmp_path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        before = checked_registry(DAY)
    doc = small_document()
    doc["flows"][0]["name"] = "Renamed"
    path.write_text(json.dumps(doc))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        after = checked_registry(DAY)
        assert after is not before and after.revision[0] > before.revision[0]
        assert after.full.flows["FLOW-001"].name == "Renamed"


def test_each_date_is_checked_for_itself(app, runner, tmp_path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        today = checked_registry(DAY)
        later = checked_registry(date(2027, 6, 1))
        assert later.as_of == date(2027, 6, 1) and today.as_of == DAY
        assert {f.code for f in later.findings} != {f.code for f in today.findings}


# --- Bringing a kept registry up to date from the audit log --------------------------------------


def _same_as_the_tables(as_of: date = DAY):
    """The kept registry on ``as_of`` and its findings equal what reading the tables gives."""
    checked = checked_registry(as_of)
    fresh = load_registry(include_archived=True)
    assert checked.full.organisations == fresh.organisations
    assert checked.full.agreements == fresh.agreements
    assert checked.full.flows == fresh.flows
    live = load_registry()
    assert checked.live.organisations == live.organisations and checked.live.flows == live.flows
    assert sorted(checked.findings, key=repr) == sorted(run_rules(live, as_of), key=repr)
    return checked


def test_every_kind_of_change_replayed_from_the_audit_log_equals_reading_the_tables(
    app, runner, tmp_path
) -> None:
    """Each change a user or an import can make, applied to the kept registry from its audit
    entry, gives the registry the tables hold; the tables are not read again."""
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    s, actor = db.session, "editor@example.org"
    with app.app_context():
        _same_as_the_tables()
        read = LOADS["read"]
        steps = [
            lambda: services.create_organisation(
                s, actor, organisation("charity", name="A charity", kind="voluntary", public_authority=False)
            ),
            lambda: services.update_organisation(
                s, actor, "charity", organisation("charity", name="Renamed charity", kind="voluntary"), None
            ),
            lambda: services.create_agreement(
                s, actor, agreement("ISA-NEW", status="draft", parties=("dmbc", "charity"), review_date=None)
            ),
            lambda: services.sign_agreement(
                s, actor, "ISA-NEW", "charity", "A Person", "Director", DAY, None
            ),
            lambda: services.create_flow(
                s,
                actor,
                flow(
                    "FLOW-NEW",
                    "dmbc",
                    "charity",
                    "ISA-NEW",
                    data_categories=["health"],
                    international_transfer=Transfer("United States", None),
                    start_date=date(2026, 1, 5),
                ),
            ),
            lambda: services.update_flow(
                s, actor, "FLOW-NEW", flow("FLOW-NEW", "dmbc", "charity", None, purpose="Changed"), None
            ),
            lambda: services.archive(s, actor, "flow", "FLOW-NEW"),
            lambda: services.restore(s, actor, "flow", "FLOW-NEW"),
            lambda: services.set_agreement_status(s, actor, "ISA-NEW", "under_review", None),
        ]
        for step in steps:
            step()
            s.commit()
            _same_as_the_tables()
            _same_as_the_tables(date(2027, 6, 1))  # another date: the same registry, checked again
        doc = small_document()
        doc["flows"][0]["name"] = "Renamed by an import"
        doc["organisations"][0]["successor"] = "wmp"
        doc["organisations"][0]["status"] = "dissolved"
        path.write_text(json.dumps(doc))
        assert runner.invoke(args=["import-registry", str(path)]).exit_code == 0
        assert _same_as_the_tables().full.flows["FLOW-001"].name == "Renamed by an import"
        assert LOADS["read"] == read  # every change above was replayed, none read afresh


def test_a_chain_that_does_not_continue_the_kept_one_is_read_afresh(app, runner, tmp_path) -> None:
    """A registry emptied and loaded again restarts the chain: its entries do not follow the kept
    revision's hash, so the tables are read."""
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        kept = checked_registry(DAY)
        _empty_tables()
        doc = small_document()
        doc["flows"][0]["name"] = "Another registry"
        path.write_text(json.dumps(doc))
        runner.invoke(args=["import-registry", str(path)])
        db.session.execute(AuditHead.__table__.update().values(seq=AuditHead.seq + kept.revision[0] + 1))
        db.session.commit()
        read = LOADS["read"]
        assert replay_changes(kept, registry_revision()) is None
        assert _same_as_the_tables().full.flows["FLOW-001"].name == "Another registry"
        assert LOADS["read"] == read + 1


def test_too_many_changes_since_are_read_afresh(app, runner, tmp_path, monkeypatch) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    with app.app_context():
        kept = checked_registry(DAY)
        for n in range(3):
            services.create_organisation(db.session, "x", organisation(f"org-{n}"))
            db.session.commit()
        monkeypatch.setattr(queries, "REPLAY_LIMIT", 2)
        assert replay_changes(kept, registry_revision()) is None
        monkeypatch.setattr(queries, "REPLAY_LIMIT", 3)
        assert set(replay_changes(kept, registry_revision()).organisations) >= {"org-0", "org-2"}  # type: ignore[union-attr]


def test_after_a_change_only_what_depends_on_it_is_checked_again_and_equals_a_full_check(
    app, runner, tmp_path
) -> None:
    """After an edit or a decision, a process that holds the registry on the same date works out
    again only the findings the change can alter (``rules.rerun``) and reviews again only those
    and the findings decided on: findings and their states equal a full check's, in order."""
    from isa_registry.core.decisions import review
    from isa_registry.store import decisions as store_decisions

    path = tmp_path / "doc.json"
    path.write_text(json.dumps(small_document()))
    runner.invoke(args=["import-registry", str(path)])
    s, actor = db.session, "editor@example.org"
    with app.app_context():
        first = checked_registry(DAY)
        rechecked = LOADS["rechecked"]
        retention = next(f for f in first.findings if f.code == "FLOW_NO_RETENTION")
        steps = [
            lambda: services.update_organisation(
                s, actor, "dmbc", organisation("dmbc", name="Dudley Council", status="dissolved"), None
            ),
            lambda: services.set_agreement_status(s, actor, "DSPP-ISA-001", "terminated", None),
            lambda: services.archive(s, actor, "flow", retention.subject_key),
            lambda: services.restore(s, actor, "flow", retention.subject_key),
            lambda: store_decisions.decide(
                s, actor, True, _current(retention), "accepted", "Known.", None, DAY
            ),
        ]

        def _current(finding):
            return (
                checked_registry(DAY)
                .reviewed_by_id[(finding.subject_type, finding.subject_key, finding.code)]
                .finding
            )

        for step in steps:
            step()
            s.commit()
            checked = checked_registry(DAY)
            assert checked.findings == run_rules(load_registry(), DAY)
            assert checked.reviewed == review(checked.findings, checked.decisions, DAY, checked.actions)
        assert LOADS["rechecked"] == rechecked + len(steps)
        assert (
            checked_registry(DAY)
            .reviewed_by_id[(retention.subject_type, retention.subject_key, retention.code)]
            .state
            == "decided"
        )
