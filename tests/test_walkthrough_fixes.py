"""The fixes a new user's walk-through asked for: flows under a draft agreement start planned,
labels rather than codes wherever a person reads, findings grouped by record, the audit log's
creations summarised."""

from __future__ import annotations

import re


def checked_status(html: str) -> str:
    """The value of the flow form's chosen status radio."""
    for tag in re.findall(r'<input[^>]*name="status"[^>]*>', html):
        if "checked" in tag:
            return re.search(r'value="([^"]*)"', tag)[1]
    raise AssertionError("no status chosen")


def test_a_flow_started_from_a_draft_agreement_defaults_to_planned(editor):
    html = editor.get("/flows/new?agreement=DSPP-ISA-009").get_data(as_text=True)
    assert checked_status(html) == "planned"
    assert 'data-draft-agreements="DSPP-ISA-009"' in html  # the script chooses planned for it too


def test_a_flow_started_from_an_active_agreement_or_none_defaults_to_active(editor):
    assert checked_status(editor.get("/flows/new?agreement=DSPP-ISA-001").get_data(as_text=True)) == "active"
    assert checked_status(editor.get("/flows/new").get_data(as_text=True)) == "active"


def test_the_flow_page_names_its_data_subjects_by_their_labels(editor):
    from tests.test_flow_views import VALID

    assert editor.post("/flows/new", data=VALID).status_code == 302
    html = editor.get("/flows/FLOW-123").get_data(as_text=True)
    assert "Children, Parents and carers" in html
    assert "parents carers" not in html


def test_the_findings_page_does_not_repeat_the_records_name_in_each_message(editor):
    html = editor.get("/findings?as_of=2026-11-23").get_data(as_text=True)
    flow = html.split('href="/flows/FLOW-044"', 1)[1].split("</section>", 1)[0]
    assert "(FLOW-044 &#39;" not in flow  # the heading names the flow once
    agreement = html.split('href="/agreements/DSPP-ISA-005"', 1)[1].split("</section>", 1)[0]
    assert "This agreement is active but has no review date." in agreement
    assert "DSPP-ISA-005 &#39;Dudley youth justice" not in agreement


def test_check_and_the_stored_messages_keep_the_records_name(dudley, runner):
    result = runner.invoke(args=["check", "--as-of", "2026-11-23"])
    assert (
        "DSPP-ISA-005 'Dudley youth justice information sharing protocol' is active but has no review date."
        in result.output
    )
