"""The field declarations of core/records.py: every other shape of a record agrees with them."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Enum, String, Text

from isa_registry.core import domain, exchange, records, spreadsheet
from isa_registry.core.records import Field
from isa_registry.store import models

DECLARED = {
    domain.Organisation: records.ORGANISATION,
    domain.Party: records.PARTY,
    domain.Agreement: records.AGREEMENT,
    domain.Transfer: records.TRANSFER,
    domain.Basis: records.BASIS,
    domain.Flow: records.FLOW,
}
MODELS = {
    models.Organisation: records.ORGANISATION,
    models.AgreementParty: records.PARTY,
    models.Agreement: records.AGREEMENT,
    models.Flow: records.FLOW,
}
SHEETS = {"organisations": records.ORGANISATION, "agreements": records.AGREEMENT, "flows": records.FLOW}

#: Format fields that may be null but are held as empty text (the domain's ``purpose: str = ""``).
EMPTY_WHEN_NULL = {"purpose"}
#: Columns that are bookkeeping rather than fields of the format.
BOOKKEEPING = {"id", "version_id", "created_at", "updated_at", "position", "agreement_id"}


@pytest.mark.parametrize("cls", list(DECLARED), ids=lambda c: c.__name__)
def test_each_domain_dataclass_has_exactly_the_declared_fields(cls: type) -> None:
    declared = records.by_name(DECLARED[cls])
    assert {f.name for f in dataclasses.fields(cls)} == set(declared)
    for f in dataclasses.fields(cls):
        if f.name not in EMPTY_WHEN_NULL:
            assert ("None" in str(f.type)) == declared[f.name].nullable, f.name


def _columns(declared: tuple[Field, ...]) -> dict[str, tuple[Field, bool]]:
    """Column name to the field it stores and whether the column may be null, for the fields stored
    in the record's own table."""
    out: dict[str, tuple[Field, bool]] = {}
    for f in declared:
        if f.kind == records.REFERENCE:
            out[f"{f.name}_id"] = (f, f.nullable)
        elif f.kind == records.RECORD:
            # A nested record's fields may be null in the table: the record itself is optional.
            out.update({f"{f.prefix}{sub.name}": (sub, True) for sub in f.fields})
        elif f.kind != records.RECORDS:
            out[f.name] = (f, f.nullable)
    return out


@pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
def test_every_model_column_matches_its_declaration(model: type) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    expected = _columns(MODELS[model])
    assert set(table.c.keys()) - BOOKKEEPING == set(expected) - BOOKKEEPING
    for name, (f, nullable) in expected.items():
        column = table.c[name]
        if f.name not in EMPTY_WHEN_NULL:
            assert column.nullable == nullable, name
        if isinstance(column.type, Enum):
            assert tuple(column.type.enums) == f.choices, name
        elif f.kind == records.TEXT:
            assert isinstance(column.type, String) and column.type.length == f.max_length, name
        elif f.kind == records.LONG_TEXT:
            # A free text is an unbounded column: its limit is checked before it is written.
            assert isinstance(column.type, Text) and f.max_length == records.LONG_TEXT_LIMIT, name


_PARSERS_BY_KIND = {
    records.KEY: {spreadsheet._parse_key},
    records.TEXT: {spreadsheet._parse_text, spreadsheet._parse_annex1},
    records.LONG_TEXT: {spreadsheet._parse_text},
    records.DATE: {spreadsheet._parse_date},
    records.BOOL: {spreadsheet._parse_bool_required, spreadsheet._parse_bool_optional},
    records.CHOICES: {spreadsheet._parse_categories},
}


#: Required fields the spreadsheet may leave out: an organisation's key is made from its name, and
#: an agreement's parties may be given in the Controllers, Joint controllers and Processors columns.
OPTIONAL_IN_SPREADSHEET = {("organisations", "key"), ("agreements", "parties")}


@pytest.mark.parametrize("sheet", list(SHEETS))
def test_every_declared_field_has_a_spreadsheet_column_that_reads_its_kind(sheet: str) -> None:
    columns = {c.field: c for c in spreadsheet.COLUMNS[sheet]}
    for f in SHEETS[sheet]:
        if f.kind == records.RECORD:
            assert {f"{f.prefix}{sub.name}" for sub in f.fields} <= set(columns), f.name
            continue
        assert f.name in columns, f"{sheet}: no column for {f.name}"
        column = columns[f.name]
        if f.kind in _PARSERS_BY_KIND:
            assert column.parse in _PARSERS_BY_KIND[f.kind], f.name
        if f.kind == records.CHOICE and column.choices:
            assert column.choices == f.choices, f.name
        if f.kind == records.BOOL:
            assert column.choices == ("Yes", "No"), f.name
        assert column.required == (f.required and (sheet, f.name) not in OPTIONAL_IN_SPREADSHEET), f.name


def test_the_schema_requires_exactly_the_required_declared_fields() -> None:
    properties = exchange.schema()["properties"]
    for section, declared in (
        ("organisations", records.ORGANISATION),
        ("agreements", records.AGREEMENT),
        ("flows", records.FLOW),
    ):
        record = properties[section]["items"]
        assert record["required"] == [f.name for f in declared if f.required]
        assert list(record["properties"]) == [f.name for f in declared]


def test_a_field_of_unknown_kind_is_refused_by_the_schema_builder() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        exchange._property(Field("x", "colour", "X"))


def test_required_fields_and_lists_are_never_nullable() -> None:
    assert not Field("x", records.TEXT, "X", required=True).nullable
    assert not Field("x", records.LIST, "X").nullable
    assert Field("x", records.TEXT, "X").nullable


def test_the_ropa_has_room_for_every_declared_identifier_above_the_contact_block() -> None:
    from isa_registry.core import ropa

    # Rows 2 and 3 of a controller's sheet; row 4 heads the contact block.
    assert 1 <= len(ropa._IDENTIFIERS) <= 2


def _declared_texts() -> list[tuple[str, Field]]:
    out = []
    for section, declared in SHEETS.items():
        for f in declared:
            for sub in f.fields or (f,):
                out.append((f"{section}.{f.name}" + (f".{sub.name}" if f.fields else ""), sub))
    return out


@pytest.mark.parametrize(
    ("name", "declared"), _declared_texts(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_text_field_has_a_maximum_length(name: str, declared: Field) -> None:
    if declared.kind in (records.TEXT, records.LONG_TEXT) or (
        declared.kind == records.LIST and not declared.pattern
    ):
        assert declared.max_length is not None, name


def test_the_schema_limits_each_text_to_its_declared_length() -> None:
    properties = exchange.schema()["properties"]
    flow = properties["flows"]["items"]["properties"]
    organisation = properties["organisations"]["items"]["properties"]
    assert flow["purpose"]["anyOf"][0]["maxLength"] == records.LONG_TEXT_LIMIT
    assert organisation["address"]["anyOf"][0]["maxLength"] == records.LONG_TEXT_LIMIT
    assert organisation["name"]["maxLength"] == records.by_name(records.ORGANISATION)["name"].max_length
    assert (
        flow["data_subjects"]["items"]["maxLength"]
        == records.by_name(records.FLOW)["data_subjects"].max_length
    )


def test_a_text_with_a_control_character_is_refused_and_a_free_text_may_have_line_breaks() -> None:
    name = records.by_name(records.ORGANISATION)["name"]
    address = records.by_name(records.ORGANISATION)["address"]
    assert records.text_problem(name, "a\x07b") == "has a control character (U+0007) in it: remove it"
    assert records.text_problem(name, "a\x00b") == "has a null character in it: remove it"
    assert "one line" in (records.text_problem(name, "a\nb") or "")
    assert records.text_problem(address, "1 High St\r\n\tDudley") is None
    assert records.text_problem(address, "a\x1bb") == "has a control character (U+001B) in it: remove it"
    assert "unpaired surrogate" in (records.text_problem(address, "a\ud800") or "")
    assert records.text_problem(address, "x" * (records.LONG_TEXT_LIMIT + 1)) == (
        "is 10,001 characters long: at most 10,000 are allowed"
    )
