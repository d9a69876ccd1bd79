"""The analyses' answers as tables: a header and a row per flow, and the CSV of them.

Every cell of the CSV goes through :func:`isa_registry.core.ropa.neutralise`, so that text a
spreadsheet would run as a formula (a name starting ``=``, say) is shown as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO

from ..ropa import neutralise
from ._common import FlowLine
from .breach_impact import BreachImpact
from .who_receives import WhoReceives

__all__ = ["breach_impact_rows", "generate_csv", "who_receives_rows", "write_csv"]

Row = list[str]

_SHARED = (
    "Flow",
    "Flow name",
    "From",
    "To",
    "Recipient's DPO contact",
    "Data subjects",
)
_AFTER = (
    "Identifiability",
    "Lawful basis",
    "Conditions for special category or criminal offence data",
    "Retention",
    "Agreement",
    "Start date",
    "End date",
)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _cells(line: FlowLine, data: Iterable[str]) -> Row:
    return [
        line.key,
        line.name,
        line.source_name,
        line.recipient_name,
        line.recipient_dpo_contact or "",
        "; ".join(line.subject_labels),
        *data,
        line.identifiability_label,
        line.basis,
        line.conditions,
        line.retention or "",
        f"{line.agreement_title} ({line.agreement})" if line.agreement else "",
        _day(line.start_date),
        _day(line.end_date),
    ]


def who_receives_rows(answer: WhoReceives) -> tuple[Row, list[Row]]:
    """The header and a row per flow: the flows that count, then the planned ones.

    >>> from datetime import date
    >>> from isa_registry.core.domain import Registry
    >>> from .who_receives import who_receives
    >>> who_receives_rows(who_receives(Registry(), "children", "health", date(2026, 1, 1)))[0][:3]
    ['Counts', 'Depth', 'Flow']
    """
    header = ["Counts", "Depth", *_SHARED, "Data asked about", *_AFTER]
    rows = [
        [counts, str(line.depth or ""), *_cells(line, ["; ".join(line.matched_labels)])]
        for counts, lines in (("Yes", answer.flows), ("Planned", answer.planned))
        for line in lines
    ]
    return header, rows


def breach_impact_rows(impact: BreachImpact) -> tuple[Row, list[Row]]:
    """The header and a row per flow: received, sent, then planned; each received flow says what to
    do about the organisation it came from."""
    duties = {flow: t.duty_text for t in impact.to_tell for flow in t.flows}
    header = [
        "Direction",
        *_SHARED,
        "Data categories",
        "Special category data",
        "Criminal offence data",
        *_AFTER,
        "Whom to tell",
    ]
    rows = []
    for direction, lines in (
        ("Received", impact.received),
        ("Sent", impact.sent),
        ("Planned", impact.planned),
    ):
        for line in lines:
            data = ["; ".join(line.category_labels), _yes(line.special), _yes(line.criminal)]
            rows.append(
                [direction, *_cells(line, data), duties.get(line.key, "") if direction == "Received" else ""]
            )
    return header, rows


def _yes(codes: Sequence[str]) -> str:
    return "Yes" if codes else "No"


def write_csv(header: Row, rows: Iterable[Row], stream: IO[bytes]) -> None:
    """Write the table as CSV (UTF-8 with a byte-order mark, so Excel reads it right)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([neutralise(c) for c in header])
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
    text.flush()
    text.detach()


def generate_csv(table: tuple[Row, list[Row]]) -> io.BytesIO:
    """The CSV of ``(header, rows)`` in a stream, positioned at the start (for ``send_file``).

    >>> generate_csv((["Name"], [["=1+1"]])).read().decode("utf-8-sig").splitlines()
    ['Name', "'=1+1"]
    """
    stream = io.BytesIO()
    write_csv(*table, stream)
    stream.seek(0)
    return stream
