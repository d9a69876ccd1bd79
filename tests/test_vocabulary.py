"""Each enumeration is declared once (isa_registry.core.vocabulary), completely and as the spec lists it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from isa_registry.core import domain
from isa_registry.core.law import LEGISLATION_STATUSES, annex1_label, article6_label, schedule1_label
from isa_registry.core.spreadsheet import normalise_title
from isa_registry.core.vocabulary import (
    AGREEMENT_STATUS,
    DATA_SUBJECT,
    FLOW_STATUS,
    IDENTIFIABILITY,
    LAW_ENFORCEMENT_BASIS,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    PARTY_ROLE,
    REGIME,
    TRANSFER_SAFEGUARD,
    VOCABULARIES,
    Term,
    Vocabulary,
    Wording,
)

SPEC = Path(__file__).resolve().parents[1] / "docs" / "spec" / "registry-format.md"

ALL = list(VOCABULARIES.values())


def _spec_cell(section: str, field: str) -> str:
    """The meaning column of ``field``'s row in the spec's table for ``section``."""
    text = SPEC.read_text()
    start = text.index(f"## {section}")
    end = text.find("\n## ", start + 1)
    for row in text[start : end if end != -1 else None].splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if cells[0] == field:
            return "|".join(cells[2:])
    raise AssertionError(f"the spec has no {field} in {section}")


def _spec_codes(section: str, field: str, besides: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The codes the spec lists for a field: the quoted or back-quoted words of its meaning, less
    the words of the surrounding text (``besides``)."""
    words = re.findall(r"[`\"]([A-Za-z_]+)[`\"]", _spec_cell(section, field))
    return tuple(dict.fromkeys(w for w in words if w not in besides))


@pytest.mark.parametrize(
    ("vocabulary", "section", "field", "besides"),
    [
        (ORGANISATION_KIND, "Organisation", "kind", frozenset()),
        (ORGANISATION_STATUS, "Organisation", "status", frozenset()),
        (AGREEMENT_STATUS, "Agreement", "status", frozenset()),
        (PARTY_ROLE, "Agreement", "parties", frozenset({"organisation", "role", "signed_on"})),
        (FLOW_STATUS, "Flow", "status", frozenset()),
        (IDENTIFIABILITY, "Flow", "identifiability", frozenset()),
        (REGIME, "Flow", "regime", frozenset()),
        (DATA_SUBJECT, "Flow", "data_subjects", frozenset()),
        (LAW_ENFORCEMENT_BASIS, "Flow", "law_enforcement_basis", frozenset({"law_enforcement"})),
        (TRANSFER_SAFEGUARD, "Flow", "international_transfer", frozenset({"country", "US", "safeguard"})),
    ],
    ids=lambda v: v.name if isinstance(v, Vocabulary) else None,
)
def test_codes_are_the_specs_in_the_specs_order(
    vocabulary: Vocabulary, section: str, field: str, besides: frozenset[str]
) -> None:
    assert vocabulary.codes == _spec_codes(section, field, besides)


def test_domain_codes_are_the_vocabularys() -> None:
    assert domain.ORGANISATION_KINDS == ORGANISATION_KIND.codes
    assert domain.AGREEMENT_STATUSES == AGREEMENT_STATUS.codes
    assert domain.TRANSFER_SAFEGUARDS == TRANSFER_SAFEGUARD.codes
    assert LEGISLATION_STATUSES == VOCABULARIES["legislation_status"].codes


@pytest.mark.parametrize("vocabulary", ALL, ids=lambda v: v.name)
def test_every_code_has_a_label(vocabulary: Vocabulary) -> None:
    labels = vocabulary.labels()
    assert list(labels) == list(vocabulary.codes)
    assert all(label.strip() for label in labels.values())
    assert len(set(vocabulary.codes)) == len(vocabulary)


@pytest.mark.parametrize("vocabulary", ALL, ids=lambda v: v.name)
def test_a_wording_given_for_one_code_is_given_for_every_code(vocabulary: Vocabulary) -> None:
    wordings: tuple[Wording, ...] = ("short_label", "plural", "phrase", "ropa_label", "hint")
    for wording in wordings:
        if any(getattr(t, wording) is not None for t in vocabulary):
            assert len(vocabulary.labels(wording)) == len(vocabulary), wording
    if any(t.style is not None for t in vocabulary):
        assert len(vocabulary.styles()) == len(vocabulary)


@pytest.mark.parametrize("vocabulary", ALL, ids=lambda v: v.name)
def test_a_spreadsheet_word_stands_for_one_code_only(vocabulary: Vocabulary) -> None:
    seen: dict[str, str] = {}
    for term in vocabulary:
        for word in {normalise_title(w) for w in (term.code, *term.synonyms)}:
            assert seen.setdefault(word, term.code) == term.code, f"'{word}' is {seen[word]} and {term.code}"


@pytest.mark.parametrize("vocabulary", ALL, ids=lambda v: v.name)
def test_forms_offer_every_code_once(vocabulary: Vocabulary) -> None:
    assert sorted(vocabulary.choices()) == sorted(vocabulary.codes)


def test_the_map_styles_every_kind_and_names_its_clusters() -> None:
    assert ORGANISATION_KIND.styles()["local_authority"] == ("house", "#d2e2f1")
    assert ORGANISATION_KIND.labels("plural")["education"] == "Schools and colleges"


def test_forms_offer_agreement_statuses_in_lifecycle_order() -> None:
    assert list(AGREEMENT_STATUS.choices()) == ["draft", "under_review", "active", "expired", "terminated"]


def test_a_missing_wording_is_named_when_the_table_is_built() -> None:
    vocabulary = Vocabulary("colour", (Term("red", "Red", plural="Reds"), Term("blue", "Blue")))
    with pytest.raises(LookupError, match="colour: no plural for blue"):
        vocabulary.labels("plural")


def test_the_laws_labels_for_forms_come_from_the_law_catalogue() -> None:
    assert article6_label("e") == "Art 6(1)(e) Public task"
    assert article6_label(None) == ""
    assert annex1_label("4") == "Annex 1 para 4 (not an Annex 1 condition)"
    assert schedule1_label("99") == "Sch 1 para 99 (not in Schedule 1)"


def test_the_maps_key_draws_each_kinds_shape_as_the_map_draws_it() -> None:
    """The key (core/graph/legend.py) is drawn from each term's map style, not written as prose."""
    from isa_registry.core.graph import legend

    drawn = {item.label: item.svg for item in legend()[1].items}
    for term in ORGANISATION_KIND:
        assert term.style is not None and term.short_label is not None
        assert f'fill="{term.style[1]}"' in drawn[term.short_label], term.code
