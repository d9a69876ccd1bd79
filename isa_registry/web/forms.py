"""The forms for organisations, agreements (with their parties), flows, sign-off and archiving.

Field names are the names of the ``isa-registry/1`` format (``shared/spec/registry-format.md``):
``key``, ``name``, ``kind``, ``public_authority``, ``source``, ``recipient``, ``article6``,
``article9``, ``schedule1`` and so on. Nested values follow WTForms' naming: the parties of an
agreement are ``parties-0-organisation``, ``parties-0-role``...; a flow's international transfer is
``international_transfer-country`` and ``international_transfer-safeguard``. Two fields exist only
on forms: ``data_subjects_other`` and ``legislation_other`` (free text for values not offered as
checkboxes). Every form carries the record's ``version_id`` in a hidden field for optimistic
locking.

The forms check what a person can get wrong in one pass, with messages that name the field; the
services check everything again, authoritatively, before anything is written. ``to_domain`` turns a
valid form into a domain record, ``*_data`` turns a record into form data.

The labels that the forms and the record pages share are declared elsewhere, once: each
enumeration's in :mod:`isa_registry.core.vocabulary` (arranged here by field as ``LABELS``) and the
law's in :mod:`isa_registry.core.law` ("Art 6(1)(e) Public task"), re-exported here for the views.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.core import UnboundField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError
from wtforms.widgets import TextArea

from ..core import records
from ..core.dates import range_problem
from ..core.domain import BASIS_FIELDS, Agreement, Basis, BasisOf, Flow, Organisation, Party, Transfer
from ..core.law import (
    ANNEX1,
    ARTICLE6,
    ARTICLE9,
    ARTICLE9_NEEDS_SCHEDULE1,
    CATEGORIES,
    CRIMINAL_CATEGORIES,
    LEGISLATION,
    SCHEDULE1,
    SCHEDULE1_NOT_CONDITIONS,
    SCHEDULE8,
    SPECIAL_CATEGORIES,
    annex1_label,
    article6_label,
    article9_label,
    category_label,
    legislation_choices,
    lookup_legislation,
    normalise_identifier,
    parent_act,
    schedule1_label,
    schedule8_label,
)
from ..core.records import END_BEFORE_START_MESSAGE, KEY_MESSAGE, KEY_PATTERN, LEGISLATION_ID_PATTERN
from ..core.vocabulary import FREQUENCY, IDENTIFIABILITY, LEGISLATION_STATUS, REGIME, VOCABULARIES
from ..store.validation import REVIEW_BEFORE_START_MESSAGE

__all__ = [
    "BLANK_PARTY_ROWS",
    "DATA_SUBJECTS",
    "LABELS",
    "AgreementForm",
    "ArchiveForm",
    "BasisForm",
    "BasisQuestions",
    "FlowForm",
    "GovukDateField",
    "LegislationGroup",
    "OrganisationForm",
    "SignForm",
    "StatusForm",
    "agreement_data",
    "annex1_label",
    "article6_label",
    "article9_label",
    "basis_data",
    "basis_questions",
    "category_groups",
    "category_label",
    "date_from_parts",
    "field_labels",
    "flow_data",
    "legislation_entry",
    "legislation_groups",
    "organisation_data",
    "schedule1_groups",
    "schedule1_label",
    "schedule8_label",
]

# --- Labels ------------------------------------------------------------------------------------

#: Each enumeration's labels, code -> label in the order forms offer them, by field.
LABELS: dict[str, dict[str, str]] = {name: v.choices() for name, v in VOCABULARIES.items()}

#: The data subjects offered as checkboxes; others go in ``data_subjects_other``.
DATA_SUBJECTS = tuple(LABELS["data_subject"])

#: How many party rows an agreement form offers beyond the current parties (at least 6 in all).
BLANK_PARTY_ROWS = 3
MIN_PARTY_ROWS = 6

HINTS = {"identifiability": IDENTIFIABILITY.labels("hint"), "regime": REGIME.labels("hint")}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class LegislationEntry:
    """A provision as the pages show it: citation and title, link, and whether it is still law."""

    id: str
    label: str
    url: str
    status: str
    known: bool


def legislation_entry(identifier: str) -> LegislationEntry:
    """The catalogue's words for a provision, or its identifier and legislation.gov.uk link."""
    entry = lookup_legislation(identifier)
    if entry is None:
        return LegislationEntry(
            identifier, identifier, f"https://www.legislation.gov.uk/{identifier}", "unknown", False
        )
    label = entry.citation if entry.title == entry.citation else f"{entry.citation} — {entry.title}"
    status = "" if entry.current else LEGISLATION_STATUS[entry.status].label
    return LegislationEntry(entry.id, label, entry.url, status, True)


# --- Choice groups for checkboxes ---------------------------------------------------------------


@dataclass(frozen=True)
class LegislationGroup:
    """The catalogued provisions of one Act or instrument, for one group of checkboxes."""

    act: str
    title: str
    choices: list[tuple[str, str]]


def legislation_groups() -> list[LegislationGroup]:
    """The legislation catalogue grouped by Act, in the catalogue's order."""
    groups: dict[str, LegislationGroup] = {}
    for identifier, label in legislation_choices():
        act = parent_act(identifier)
        if act not in groups:
            entry = LEGISLATION.get(act)
            title = entry.citation if entry else label.split(" s")[0]
            groups[act] = LegislationGroup(act, title, [])
        groups[act].choices.append((identifier, label))
    return list(groups.values())


def category_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(kind, heading, [(code, label)]) for ordinary, special and criminal offence data."""
    headings = {
        "ordinary": "Personal data",
        "special": "Special category data (UK GDPR Art 9(1))",
        "criminal": "Criminal offence data (UK GDPR Art 10)",
    }
    return [
        (kind, heading, [(c.code, c.label) for c in CATEGORIES.values() if c.kind == kind])
        for kind, heading in headings.items()
    ]


def schedule1_groups() -> list[tuple[int, str, list[tuple[str, str]]]]:
    """(part, heading, [(para, label)]) for Parts 1 to 3 of DPA 2018 Schedule 1 (not para 5)."""
    headings = {
        1: "Part 1: employment, health, public health and research",
        2: "Part 2: substantial public interest (with Art 9(2)(g))",
        3: "Part 3: additional conditions for criminal offence data",
    }
    return [
        (
            part,
            heading,
            [
                (c.code, f"Para {c.code} {c.title}")
                for c in SCHEDULE1.values()
                if c.part == part and c.code not in SCHEDULE1_NOT_CONDITIONS
            ],
        )
        for part, heading in headings.items()
    ]


def schedule1_hint(article9: str | None, criminal: bool) -> str:
    """What Schedule 1 condition the chosen Art 9 condition (and criminal offence data) needs."""
    parts = []
    needs = ARTICLE9_NEEDS_SCHEDULE1.get(article9 or "")
    if needs is not None:
        if article9 == "g":
            parts.append(
                f"You chose {article9_label(article9)}: it needs a Part 2 condition (paras 6 to 28)."
            )
        else:
            para = next(iter(needs))
            parts.append(f"You chose {article9_label(article9)}: it needs {schedule1_label(para)}.")
    else:
        parts.append(
            "Art 9(2)(b) needs para 1, (h) para 2, (i) para 3, (j) para 4, and (g) a Part 2 "
            "condition (paras 6 to 28)."
        )
    if criminal:
        parts.append("For criminal offence data, any condition in Parts 1 to 3.")
    else:
        parts.append(
            "Criminal offence data needs a condition in Parts 1 to 3 unless under official authority."
        )
    return " ".join(parts)


# --- Fields ------------------------------------------------------------------------------------

_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[/. ](?P<m>\d{1,2})[/. ](?P<y>\d{4})$"),
)

#: The three boxes of a GOV.UK date input, in the order they are shown.
DATE_PARTS = ("day", "month", "year")
_PART_WORDS = {"day": "a day", "month": "a month", "year": "a year"}
_MONTHS = {
    name: number
    for number, month in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (month, month[:3])
}


def _number(text: str, most: int) -> int | None:
    """A box's whole number from 1 to ``most``, or None when it is not one."""
    if not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= most else None


def _month(text: str) -> int | None:
    """A month as a number (``11``) or a name (``November``, ``Nov``)."""
    return _MONTHS.get(text.lower().rstrip(".")) or _number(text, 12)


def date_from_parts(parts: Mapping[str, str], what: str) -> tuple[date | None, str | None, set[str]]:
    """The date typed in a GOV.UK date input's ``day``, ``month`` and ``year`` boxes, named ``what``
    ("Start date") in the messages: (date, None, set()) when it is one, (None, None, set()) when
    nothing is typed, else (None, message, the boxes to highlight), in the Design System's words.

    >>> date_from_parts({"day": "23", "month": "nov", "year": "2026"}, "Start date")[0]
    datetime.date(2026, 11, 23)
    >>> date_from_parts({"day": "23", "month": "", "year": "2026"}, "Start date")[1:]
    ('Start date must include a month', {'month'})
    >>> date_from_parts({"day": "", "month": "", "year": "2026"}, "End date")[1]
    'End date must include a day and month'
    >>> date_from_parts({"day": "31", "month": "2", "year": "2026"}, "Review date")[1:]
    ('Review date must be a real date', {'day'})
    >>> date_from_parts({"day": "1", "month": "13", "year": "2026"}, "Review date")[1:]
    ('Review date must be a real date', {'month'})
    >>> date_from_parts({"day": "1", "month": "1", "year": "26"}, "Date signed")[1:]
    ('Date signed must include a year with 4 numbers, for example 2026', {'year'})
    """
    typed = {part: (parts.get(part) or "").strip() for part in DATE_PARTS}
    if not any(typed.values()):
        return None, None, set()
    missing = [part for part in DATE_PARTS if not typed[part]]
    if missing:
        words = [_PART_WORDS[missing[0]], *(part for part in missing[1:])]
        return None, f"{what} must include {' and '.join(words)}", set(missing)
    day, month = _number(typed["day"], 31), _month(typed["month"])
    wrong = {part for part, value in (("day", day), ("month", month)) if value is None}
    if wrong:
        return None, f"{what} must be a real date", wrong
    if not (typed["year"].isdigit() and len(typed["year"]) == 4):
        return None, f"{what} must include a year with 4 numbers, for example 2026", {"year"}
    assert day is not None and month is not None
    try:
        chosen = date(int(typed["year"]), month, day)
    except ValueError:  # a day past the month's end: 31 February
        return None, f"{what} must be a real date", {"day"}
    problem = range_problem(chosen, what)
    if problem:
        return None, problem, {"year"}
    return chosen, None, set()


class GovukDateField(Field):
    """A date asked with the GOV.UK date input: three boxes named ``NAME-day``, ``NAME-month`` and
    ``NAME-year`` (the macro ``date_input`` in ``organisations/_fields.html`` draws them).

    Errors follow the Design System's date input: the message names the field ("Start date must
    include a month") and only the boxes that are wrong are highlighted (:attr:`wrong_parts`; all
    three when the error is about the whole date, such as its order with another). A single value
    ``NAME=2026-11-23`` (or ``23/11/2026``) is still read, for clients that post one.
    """

    data: date | None

    def __init__(self, label: str = "", *args: Any, **kwargs: Any):
        self.what = _capital(kwargs.pop("what", label.lower()))
        super().__init__(label, *args, **kwargs)
        self.typed: dict[str, str] = {}
        self.parse_wrong: set[str] = set()

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        boxes = [f"{self.name}-{part}" for part in DATE_PARTS]
        if formdata is not None and any(box in formdata for box in boxes):
            super().process(None, data, extra_filters)
            self.typed = {
                part: (formdata.get(box) or "").strip() for part, box in zip(DATE_PARTS, boxes, strict=True)
            }
            self.raw_data = list(self.typed.values())
            self.data, problem, self.parse_wrong = date_from_parts(self.typed, self.what)
            if problem:
                self.process_errors = [*self.process_errors, problem]
            return
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        for pattern in _DATE_FORMATS:
            match = pattern.match(raw)
            if match:
                try:
                    self.data = date(int(match["y"]), int(match["m"]), int(match["d"]))
                except ValueError:
                    break
                problem = range_problem(self.data, self.what)
                if problem:
                    self.data = None
                    raise ValueError(problem)
                return
        raise ValueError(f"{self.what} must be a real date, for example 2026-11-23")

    def parts(self) -> dict[str, str]:
        """What the boxes show: what was typed, else the date's day, month and year."""
        if self.typed:
            return self.typed
        if isinstance(self.data, date):
            return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        return {"day": "", "month": "", "year": ""}

    @property
    def wrong_parts(self) -> set[str]:
        """The boxes to highlight: those a parse error is about, else all three when the field has
        an error about the whole date, else none."""
        if not self.errors:
            return set()
        return self.parse_wrong or set(DATE_PARTS)

    @property
    def error_target(self) -> str:
        """The id of the first box to highlight, where the error summary's link goes: the day box
        has the field's own id (the macro ``date_input``), the others ``ID-month`` and ``ID-year``."""
        first = next((part for part in DATE_PARTS if part in self.wrong_parts), "day")
        return self.id if first == "day" else f"{self.id}-{first}"


class TextField(StringField):
    """A text field whose value is stripped, and None when empty. A record form checks it against
    its field's declaration: its length, and no control character (:func:`text_problems`)."""

    #: A record field declared for a form field that is not a record's (``data_subjects_other``):
    #: one line of at most :data:`records.LONG_TEXT_LIMIT` characters.
    undeclared = records.Field("", records.TEXT, "", max_length=records.LONG_TEXT_LIMIT)

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip() or None

    def _value(self) -> str:
        return self.data or ""


class LongTextField(TextField):
    """A text area whose value is stripped, and None when empty; like :class:`TextField`, but
    several lines (a tab or a line break is allowed)."""

    widget = TextArea()
    undeclared = records.Field("", records.LONG_TEXT, "", max_length=records.LONG_TEXT_LIMIT)


class Choice(SelectField):
    """A select or radio answer whose empty value means 'not recorded' (None)."""

    #: (value, label) pairs: given with the field, or set (``set_choices``) before the form is validated.
    choices: list[tuple[str, str]] | None

    def __init__(self, *args: Any, required: str | None = None, **kwargs: Any):
        self.required_message = required
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = (valuelist[0].strip() or None) if valuelist else None

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            if self.required_message:
                raise ValidationError(self.required_message)
            return
        assert self.choices is not None
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError(f"Select a valid option for {self.label.text.lower()}")


class Choices(SelectMultipleField):
    """A group of checkboxes; values must be among ``choices`` (unless ``free``)."""

    #: (value, label) pairs; None for a ``free`` field.
    choices: list[tuple[str, str]] | None

    def __init__(self, *args: Any, free: bool = False, **kwargs: Any):
        self.free = free
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(dict.fromkeys(v.strip() for v in valuelist if v.strip()))

    def pre_validate(self, form: Any) -> None:
        if self.free:
            return
        assert self.choices is not None
        allowed = {value for value, _ in self.choices}
        bad = [v for v in self.data or [] if v not in allowed]
        if bad:
            raise ValidationError(f"{self.label.text}: {', '.join(bad)} is not one of the options")


def _options(labels: dict[str, str]) -> list[tuple[str, str]]:
    return list(labels.items())


_KEY = re.compile(KEY_PATTERN)
#: Keys that would clash with a page's own address (/flows/new).
RESERVED_KEYS = frozenset({"new"})


def _check_key(form: Any, field: Any, thing: str) -> None:
    key = (field.data or "").strip()
    field.data = key
    if not key:
        raise ValidationError(f"Enter a key for the {thing}")
    if not _KEY.match(key):
        raise ValidationError(KEY_MESSAGE)
    if key.lower() in RESERVED_KEYS:
        raise ValidationError(f"Key cannot be '{key}': choose another")


def _required(field: Any, message: str) -> None:
    if not field.data:
        raise ValidationError(message)


#: The declared fields by name, whose limits the forms check.
_ORGANISATION = records.by_name(records.ORGANISATION)
_AGREEMENT = records.by_name(records.AGREEMENT)
_PARTY = records.by_name(records.PARTY)
_FLOW = records.by_name(records.FLOW)


def _max(field: Any, declared: records.Field, what: str) -> None:
    limit = declared.max_length
    if field.data and limit is not None and len(field.data) > limit:
        raise ValidationError(f"{_capital(what)} must be {limit} characters or fewer")


def _url(field: Any, what: str) -> None:
    if field.data and not re.match(r"^https?://[^\s]+$", field.data):
        raise ValidationError(f"{_capital(what)} must be a web address starting https://")


def _dates_in_order(form: Any) -> bool:
    start, end = form.start_date.data, form.end_date.data
    if start and end and end < start:
        form.end_date.errors.append(END_BEFORE_START_MESSAGE)
        return False
    return True


def _declaration(fields: Mapping[str, records.Field], field: Any) -> records.Field:
    """The declaration of a text field of a form (``international_transfer-country`` is the
    country of the flow's ``international_transfer``), or the field class's own when it has none."""
    declared: records.Field | None = None
    for part in (p for p in field.name.split("-") if not p.isdigit()):
        declared = fields.get(part)
        if declared is None:
            return field.undeclared
        fields = records.by_name(declared.fields)
    return declared or field.undeclared


def text_problems(form: Any, fields: Mapping[str, records.Field]) -> bool:
    """Check every text field of ``form`` (nested ones included) that has no error yet against its
    declaration among ``fields``: its length and its characters (:func:`records.text_problem`).
    Each problem is added to its field, named by its label; True when there is none."""
    ok = True
    for field in _walk(form):
        if not isinstance(field, TextField | LongTextField) or field.errors or not field.data:
            continue
        declared = _declaration(fields, field)
        kind = records.LONG_TEXT if isinstance(field, LongTextField) else records.TEXT
        problem = records.text_problem(dataclasses.replace(declared, kind=kind), field.data)
        if problem:
            field.errors = [*field.errors, f"{_capital(field.label.text)} {problem}"]
            ok = False
    return ok


class RecordForm(FlaskForm):
    """What every record form has: the version it was read at."""

    version_id = HiddenField()
    #: The declared text fields that the form does not spell out, added by :func:`_declared`.
    declared_extras: tuple[records.Field, ...] = ()
    #: The declared fields of the record, by name, whose limits the form's text fields take.
    declared_fields: Mapping[str, records.Field] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for declared in self.declared_extras:
            field = self[declared.name]
            problem = _declared_problem(declared, field.data)
            if problem:
                field.errors = [*field.errors, problem]
                ok = False
        return text_problems(self, self.declared_fields) and ok

    def extras(self) -> dict[str, Any]:
        """The values of the fields added from their declarations, for ``to_domain``."""
        return {declared.name: self[declared.name].data for declared in self.declared_extras}

    def record_key(self, key: str | None) -> str:
        """The key of the record the form describes: ``key`` when given (an edit form has no key
        field), else the key field's, which is required."""
        record_key = key or self.key.data
        assert record_key is not None
        return record_key

    def loaded_version(self) -> int | None:
        """The record version the form was read at, or None (a new record)."""
        if self.version_id.data is None:
            return None
        try:
            return int(self.version_id.data)
        except (TypeError, ValueError):
            return None

    def error_list(self) -> list[dict[str, str | None]]:
        """Every error, nested fields included, as GOV.UK error summary items linking to the field."""
        items: list[dict[str, str | None]] = [
            {"text": str(message), "href": f"#{getattr(field, 'error_target', field.id)}"}
            for field in _walk(self)
            if field.type != "CSRFTokenField"
            for message in field.errors
        ]
        items += [{"text": str(message), "href": None} for message in self.form_errors]
        for field in self:
            if field.type == "CSRFTokenField":
                items += [{"text": str(message), "href": None} for message in field.errors]
        return items

    def add_errors(self, errors: dict[str, str]) -> None:
        """Attach the services' errors (keyed by field name) to the fields, or to the form."""
        fields = {f.name: f for f in _walk(self)}
        for name, message in errors.items():
            if name in fields:
                fields[name].errors = [*fields[name].errors, message]
            else:
                self.form_errors.append(message)


F = TypeVar("F", bound=type[RecordForm])


def _declared(declared: tuple[records.Field, ...]) -> Callable[[F], F]:
    """Give a form a field for each declared text field it does not spell out, from the declaration.

    A new optional text field then appears on the form (the template places it), is checked against
    its length and pattern, and reaches the record through :meth:`RecordForm.extras`.
    """

    def add(form_class: F) -> F:
        extras = tuple(
            f
            for f in declared
            if f.kind in (records.TEXT, records.LONG_TEXT) and not hasattr(form_class, f.name)
        )
        for f in extras:
            setattr(form_class, f.name, (TextField if f.kind == records.TEXT else LongTextField)(f.label))
        form_class.declared_extras = extras
        form_class.declared_fields = records.by_name(declared)
        return form_class

    return add


def _declared_problem(declared: records.Field, value: str | None) -> str | None:
    """What is wrong with a value of a field added from its declaration, if anything."""
    if not value:
        return None
    if declared.max_length is not None and len(value) > declared.max_length:
        return f"{declared.label} must be {declared.max_length} characters or fewer"
    if declared.pattern and not re.match(declared.pattern, value):
        return f"{declared.label} is not valid. {declared.hint}".strip()
    return None


def _extras_data(form_class: type[RecordForm], record: object) -> dict[str, Any]:
    """Form data for the fields added from their declarations."""
    return {f.name: getattr(record, f.name) for f in form_class.declared_extras}


def field_labels(form_class: type) -> dict[str, str]:
    """Field name to label, read from the form class (for the conflict table)."""
    return {
        name: value.args[0]
        for name, value in vars(form_class).items()
        if isinstance(value, UnboundField) and value.args and isinstance(value.args[0], str)
    }


def _walk(form: Any) -> Iterable[Any]:
    for f in form:
        if isinstance(f, FieldList):
            for entry in f:
                yield from _walk(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(f, FormField):
            yield from _walk(f.form)
        else:
            yield f


# --- Organisation ------------------------------------------------------------------------------


@_declared(records.ORGANISATION)
class OrganisationForm(RecordForm):
    """An organisation."""

    key = StringField("Key")
    name = TextField("Name")
    kind = Choice(
        "Kind of organisation", choices=_options(LABELS["kind"]), required="Select the kind of organisation"
    )
    public_authority = Choice(
        "Is it a public authority?",
        choices=[("yes", "Yes"), ("no", "No")],
        required="Select yes if the organisation is a public authority",
    )
    ico_registration = TextField("ICO registration number")
    dpo_contact = TextField("Data protection officer contact")
    appropriate_policy_document = TextField("Appropriate policy document")
    status = Choice("Status", choices=_options(LABELS["organisation_status"]), default="active")
    successor = Choice("Successor")
    address = LongTextField("Address")
    telephone = TextField("Telephone")
    email = TextField("Email")
    representative = LongTextField("Representative")

    def validate_key(self, field: Any) -> None:
        _check_key(self, field, "organisation")

    def validate_name(self, field: Any) -> None:
        _required(field, "Enter the organisation's name")
        _max(field, _ORGANISATION["name"], "name")

    def validate_ico_registration(self, field: Any) -> None:
        _max(field, _ORGANISATION["ico_registration"], "ICO registration number")

    def validate_dpo_contact(self, field: Any) -> None:
        _max(field, _ORGANISATION["dpo_contact"], "data protection officer contact")

    def validate_appropriate_policy_document(self, field: Any) -> None:
        _url(field, "the appropriate policy document link")
        _max(field, _ORGANISATION["appropriate_policy_document"], "the appropriate policy document link")

    def validate_email(self, field: Any) -> None:
        if field.data and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", field.data):
            raise ValidationError(
                "Email must be an email address, like information.governance@example.gov.uk"
            )

    def validate_successor(self, field: Any) -> None:
        if field.data and "key" in self and field.data == self.key.data:
            raise ValidationError("Successor cannot be the organisation itself")

    def to_domain(self, key: str | None = None) -> Organisation:
        """The organisation the form describes (``key`` when the form has no key field)."""
        return Organisation(
            key=self.record_key(key),
            name=self.name.data or "",
            kind=self.kind.data,
            public_authority=self.public_authority.data == "yes",
            ico_registration=self.ico_registration.data,
            dpo_contact=self.dpo_contact.data,
            appropriate_policy_document=self.appropriate_policy_document.data,
            status=self.status.data or "active",
            successor=self.successor.data,
            address=self.address.data,
            telephone=self.telephone.data,
            email=self.email.data,
            representative=self.representative.data,
            **self.extras(),
        )


def organisation_data(o: Organisation, version_id: int | None = None) -> dict[str, Any]:
    """Form data for an organisation: each declared field as the record holds it, the public
    authority question as its answer (``yes`` or ``no``)."""
    data = {f.name: getattr(o, f.name) for f in records.ORGANISATION}
    return {**data, "public_authority": "yes" if o.public_authority else "no", "version_id": version_id}


# --- Agreement ---------------------------------------------------------------------------------


class PartyForm(Form):
    """One row of an agreement's parties: an organisation, its role and, for a processor, the
    reference of the Art 28(3) contract that binds it."""

    organisation = Choice("Organisation")
    role = Choice("Role", choices=_options(LABELS["role"]), default="controller")
    contract_reference = TextField("Processing contract reference")

    def validate_contract_reference(self, field: Any) -> None:
        _max(field, _PARTY["contract_reference"], "processing contract reference")


@_declared(records.AGREEMENT)
class AgreementForm(RecordForm):
    """An agreement and its parties (sign-offs are recorded on their own form)."""

    key = StringField("Reference (key)")
    title = TextField("Title")
    purpose = LongTextField("Purpose")
    status = Choice("Status", choices=_options(LABELS["agreement_status"]), required="Select the status")
    version = TextField("Version")
    owner = Choice("Owner")
    start_date = GovukDateField("Start date")
    review_date = GovukDateField("Review date")
    end_date = GovukDateField("End date")
    parties = FieldList(FormField(PartyForm), min_entries=MIN_PARTY_ROWS)
    data_categories = Choices("Data categories", choices=[(c, CATEGORIES[c].label) for c in CATEGORIES])
    document_url = TextField("Link to the signed document")
    dpia_reference = TextField("DPIA reference")
    publish = BooleanField("List this agreement on the public register")

    def set_organisations(self, choices: list[tuple[str, str]]) -> None:
        """Offer these organisations as owner and parties."""
        self.owner.choices = choices
        for entry in self.parties:
            entry.form.organisation.choices = choices

    def validate_key(self, field: Any) -> None:
        _check_key(self, field, "agreement")

    def validate_title(self, field: Any) -> None:
        _required(field, "Enter the agreement's title")
        _max(field, _AGREEMENT["title"], "title")

    def validate_version(self, field: Any) -> None:
        _max(field, _AGREEMENT["version"], "version")

    def validate_document_url(self, field: Any) -> None:
        _url(field, "the document link")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        ok = _dates_in_order(self) and ok
        start, review = self.start_date.data, self.review_date.data
        if start and review and review < start:
            self.review_date.errors = [*self.review_date.errors, REVIEW_BEFORE_START_MESSAGE]
            ok = False
        seen: set[str] = set()
        for i, entry in enumerate(self.parties):
            org = entry.form.organisation.data
            if org and org in seen:
                entry.form.organisation.errors = [f"Party {i + 1}: this organisation is already a party"]
                ok = False
            seen.add(org)
        return ok

    def chosen_parties(self) -> list[Party]:
        """The filled-in party rows (blank rows are ignored)."""
        return [
            Party(
                organisation=e.form.organisation.data,
                role=e.form.role.data or "controller",
                contract_reference=e.form.contract_reference.data,
            )
            for e in self.parties
            if e.form.organisation.data
        ]

    def to_domain(self, key: str | None = None) -> Agreement:
        """The agreement the form describes; parties carry no sign-off (the services keep them)."""
        return Agreement(
            key=self.record_key(key),
            title=self.title.data or "",
            status=self.status.data,
            purpose=self.purpose.data or "",
            version=self.version.data,
            owner=self.owner.data,
            start_date=self.start_date.data,
            review_date=self.review_date.data,
            end_date=self.end_date.data,
            parties=self.chosen_parties(),
            data_categories=list(self.data_categories.data or []),
            document_url=self.document_url.data,
            dpia_reference=self.dpia_reference.data,
            publish=bool(self.publish.data),
            **self.extras(),
        )


def agreement_data(a: Agreement, version_id: int | None = None) -> dict[str, Any]:
    """Form data for an agreement, with blank party rows to add more."""
    blank = max(BLANK_PARTY_ROWS, MIN_PARTY_ROWS - len(a.parties))
    return {
        "key": a.key,
        "title": a.title,
        "purpose": a.purpose or None,
        "status": a.status,
        "version": a.version,
        "owner": a.owner,
        "start_date": a.start_date,
        "review_date": a.review_date,
        "end_date": a.end_date,
        "parties": [
            {"organisation": p.organisation, "role": p.role, "contract_reference": p.contract_reference}
            for p in a.parties
        ]
        + [{"organisation": None, "role": "controller", "contract_reference": None}] * blank,
        "data_categories": list(a.data_categories),
        "document_url": a.document_url,
        "dpia_reference": a.dpia_reference,
        "publish": a.publish,
        "version_id": version_id,
        **_extras_data(AgreementForm, a),
    }


# --- Flow --------------------------------------------------------------------------------------

#: The value of the flow form's "Something else" frequency.
FREQUENCY_OTHER = "other"


class TransferForm(Form):
    """A transfer outside the UK: the country and the Chapter V safeguard."""

    country = TextField("Country")
    safeguard = Choice("Safeguard", choices=_options(LABELS["safeguard"]))


_LEGISLATION_LINE = re.compile(LEGISLATION_ID_PATTERN)


@dataclass(frozen=True)
class BasisQuestions:
    """The questions of a lawful basis, declared once for both sides of a flow: the disclosing
    organisation's (the flow form's own fields) and the recipient's own (:class:`BasisForm`)."""

    regime: Choice
    article6: Choice
    recognised_interest: Choice
    article9: Choice
    schedule1: Choices
    official_authority: BooleanField
    law_enforcement_basis: Choice
    schedule8: Choices
    legislation: Choices
    legislation_other: LongTextField


def basis_questions(whose: str) -> BasisQuestions:
    """The questions of the basis of ``whose`` ("source" or "recipient"): only the Art 6 question's
    label names whose basis it is."""
    return BasisQuestions(
        regime=Choice(
            "Which data protection regime applies?", choices=_options(LABELS["regime"]), default="uk_gdpr"
        ),
        article6=Choice(
            f"UK GDPR Art 6(1) lawful basis of the {whose}",
            choices=[(c, article6_label(c)) for c in ARTICLE6],
        ),
        recognised_interest=Choice(
            "Recognised legitimate interest (UK GDPR Annex 1)", choices=[(c, annex1_label(c)) for c in ANNEX1]
        ),
        article9=Choice("UK GDPR Art 9(2) condition", choices=[(c, article9_label(c)) for c in ARTICLE9]),
        schedule1=Choices(
            "DPA 2018 Schedule 1 conditions",
            choices=[(p, schedule1_label(p)) for p in SCHEDULE1 if p not in SCHEDULE1_NOT_CONDITIONS],
        ),
        official_authority=BooleanField(
            "The criminal offence data is processed under the control of official authority"
        ),
        law_enforcement_basis=Choice(
            "Lawful basis for law enforcement processing", choices=_options(LABELS["law_enforcement_basis"])
        ),
        schedule8=Choices(
            "DPA 2018 Schedule 8 conditions", choices=[(p, schedule8_label(p)) for p in SCHEDULE8]
        ),
        legislation=Choices("Legislation (statutory gateways)", free=True),
        legislation_other=LongTextField("Other provisions, not in the list"),
    )


B = TypeVar("B", bound=type)


def _asks_basis(form_class: B) -> B:
    """Give the form each question of the basis its body made (its ``_basis``), as a field of its
    own. WTForms orders fields by when they were made, so the questions stand where the body made
    them."""
    questions = vars(form_class)["_basis"]
    for question in dataclasses.fields(questions):
        setattr(form_class, question.name, getattr(questions, question.name))
    delattr(form_class, "_basis")
    return form_class


class _BasisAnswers:
    """What a form holding the questions of :func:`basis_questions` does with the answers."""

    regime: Any
    article6: Any
    recognised_interest: Any
    article9: Any
    schedule1: Any
    official_authority: Any
    law_enforcement_basis: Any
    schedule8: Any
    legislation: Any
    legislation_other: Any

    def keep_unoffered_values(self) -> None:
        """Keep a recognised interest that is not offered (an old or unknown one) so an edit does not
        drop it."""
        if self.recognised_interest.data and self.recognised_interest.data not in ANNEX1:
            value = self.recognised_interest.data
            assert self.recognised_interest.choices is not None  # declared with its choices
            self.recognised_interest.choices = [
                *self.recognised_interest.choices,
                (value, annex1_label(value)),
            ]

    def validate_legislation_other(self, field: Any) -> None:
        for line in self._other_lines():
            if not _LEGISLATION_LINE.match(normalise_identifier(line)):
                raise ValidationError(
                    f"Other provision '{line}' is not a legislation.gov.uk identifier: write it like "
                    "ukpga/1989/41/section/47, one to a line"
                )

    def _other_lines(self) -> list[str]:
        return [
            line.strip() for line in re.split(r"[\n,;]+", self.legislation_other.data or "") if line.strip()
        ]

    def other_provisions(self) -> list[str]:
        """The identifiers typed in ``legislation_other``, one a line, normalised."""
        return [normalise_identifier(line) for line in self._other_lines()]

    def schedule1_guide(self, criminal: bool) -> str:
        """What the Schedule 1 question says, for the Art 9 condition chosen (:func:`schedule1_hint`)."""
        return schedule1_hint(self.article9.data, criminal)

    def answered_basis(self) -> Basis:
        """The basis the answers give. Answers that do not apply are dropped: a recognised legitimate
        interest without Art 6(1)(ea), and the law-enforcement basis and Schedule 8 conditions under the
        UK GDPR."""
        law_enforcement = self.regime.data == "law_enforcement"
        return Basis(
            regime=self.regime.data or "uk_gdpr",
            article6=self.article6.data,
            recognised_interest=self.recognised_interest.data if self.article6.data == "ea" else None,
            article9=self.article9.data,
            schedule1=list(self.schedule1.data or []),
            official_authority=bool(self.official_authority.data),
            law_enforcement_basis=self.law_enforcement_basis.data if law_enforcement else None,
            schedule8=list(self.schedule8.data or []) if law_enforcement else [],
            legislation=list(dict.fromkeys([*(self.legislation.data or []), *self.other_provisions()])),
        )


def basis_data(b: BasisOf | None) -> dict[str, Any]:
    """Form data for a basis: catalogued provisions as checkboxes, the rest as 'other'."""
    if b is None:
        return {"regime": "uk_gdpr"}
    return {
        "regime": b.regime,
        "article6": b.article6,
        "recognised_interest": b.recognised_interest,
        "article9": b.article9,
        "schedule1": list(b.schedule1),
        "official_authority": b.official_authority,
        "law_enforcement_basis": b.law_enforcement_basis,
        "schedule8": list(b.schedule8),
        "legislation": [i for i in b.legislation if i in LEGISLATION],
        "legislation_other": "\n".join(i for i in b.legislation if i not in LEGISLATION) or None,
    }


@_asks_basis
class BasisForm(_BasisAnswers, Form):
    """The recipient's own basis for what it receives: the questions of the flow's own basis."""

    _basis = basis_questions("recipient")

    def recorded_basis(self) -> Basis | None:
        """The recipient's basis, or None when no question is answered (the regime on its own, UK
        GDPR, is the default rather than an answer)."""
        b = self.answered_basis()
        if b.regime == "uk_gdpr" and not (
            b.article6 or b.article9 or b.schedule1 or b.official_authority or b.legislation
        ):
            return None
        return b

    def in_use(self) -> bool:
        """Whether the questions are answered or have an error: the page then shows them open."""
        return self.recorded_basis() is not None or any(field.errors for field in self)


@_declared(records.FLOW)
@_asks_basis
class FlowForm(_BasisAnswers, RecordForm):
    """A flow of personal data, with the law it relies on: the source's basis, and the recipient's own."""

    key = StringField("Key")
    name = TextField("Name")
    source = Choice("Source (disclosing organisation)", required="Select the source organisation")
    recipient = Choice("Recipient (receiving organisation)", required="Select the recipient organisation")
    purpose = LongTextField("Purpose")
    programme = TextField("Programme or service")
    agreement = Choice("Agreement that covers it")
    status = Choice("Status", choices=_options(LABELS["flow_status"]), default="active")
    start_date = GovukDateField("Start date")
    end_date = GovukDateField("End date")
    identifiability = Choice(
        "Can people be identified from the data?",
        choices=_options(LABELS["identifiability"]),
        required="Select whether the data is identifiable, pseudonymised or anonymised",
    )
    data_subjects = Choices("Whose data is shared?", choices=_options(LABELS["data_subject"]))
    data_subjects_other = TextField("Other people (separate with commas)")
    data_categories = Choices("What data is shared?", choices=[(c, CATEGORIES[c].label) for c in CATEGORIES])
    # The source's basis, asked in the order the page asks it (after the data).
    _basis = basis_questions("source")
    retention = LongTextField("Retention")
    international_transfer = FormField(TransferForm, label="International transfer")
    frequency_choice = Choice(
        "How often is it shared?",
        choices=[*_options(LABELS["frequency"]), (FREQUENCY_OTHER, "Something else")],
    )
    frequency = TextField("Frequency")
    method = TextField("Method")
    recipient_basis = FormField(BasisForm, label="The recipient's basis")
    security_measures = LongTextField("Security measures")
    storage_location = LongTextField("Where the recipient stores it")
    automated_decision_making = Choice(
        "Is it used for automated decision-making?", choices=[("yes", "Yes"), ("no", "No")]
    )
    lia_reference = TextField("Legitimate interests assessment reference")
    consent_record = TextField("Where consent is recorded")

    def set_choices(self, organisations: list[tuple[str, str]], agreements: list[tuple[str, str]]) -> None:
        """Offer these organisations as source and recipient, and these agreements."""
        self.source.choices = organisations
        self.recipient.choices = organisations
        self.agreement.choices = agreements
        self.keep_unoffered_values()
        self.recipient_basis.form.keep_unoffered_values()

    def validate_key(self, field: Any) -> None:
        _check_key(self, field, "flow")

    def validate_name(self, field: Any) -> None:
        _required(field, "Enter the flow's name")
        _max(field, _FLOW["name"], "name")

    def validate_programme(self, field: Any) -> None:
        _max(field, _FLOW["programme"], "programme")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        ok = _dates_in_order(self) and ok
        if self.source.data and self.source.data == self.recipient.data:
            self.recipient.errors = [
                *self.recipient.errors,
                "Recipient must be a different organisation from the source",
            ]
            ok = False
        transfer = self.international_transfer.form
        if transfer.safeguard.data and not transfer.country.data:
            transfer.country.errors = [
                *transfer.country.errors,
                "Enter the country the data is transferred to",
            ]
            ok = False
        return ok

    def chosen_frequency(self) -> str | None:
        """The suggested value chosen, or the frequency typed under "Something else" (or alone)."""
        choice = self.frequency_choice.data
        if choice and choice != FREQUENCY_OTHER:
            return choice
        return self.frequency.data

    def special_chosen(self) -> bool:
        return any(c in SPECIAL_CATEGORIES for c in self.data_categories.data or [])

    def criminal_chosen(self) -> bool:
        return any(c in CRIMINAL_CATEGORIES for c in self.data_categories.data or [])

    def to_domain(self, key: str | None = None) -> Flow:
        """The flow the form describes, with the source's basis (:meth:`answered_basis`) and the
        recipient's own (:meth:`BasisForm.recorded_basis`)."""
        basis = self.answered_basis()
        others = [s.strip() for s in (self.data_subjects_other.data or "").split(",") if s.strip()]
        transfer = self.international_transfer.form
        adm = self.automated_decision_making.data
        return Flow(
            key=self.record_key(key),
            name=self.name.data or "",
            source=self.source.data,
            recipient=self.recipient.data,
            identifiability=self.identifiability.data,
            purpose=self.purpose.data or "",
            programme=self.programme.data,
            agreement=self.agreement.data,
            status=self.status.data or "active",
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            data_subjects=list(dict.fromkeys([*(self.data_subjects.data or []), *others])),
            data_categories=list(self.data_categories.data or []),
            **{name: getattr(basis, name) for name in BASIS_FIELDS},
            retention=self.retention.data,
            international_transfer=(
                Transfer(transfer.country.data, transfer.safeguard.data) if transfer.country.data else None
            ),
            frequency=self.chosen_frequency(),
            method=self.method.data,
            recipient_basis=self.recipient_basis.form.recorded_basis(),
            security_measures=self.security_measures.data,
            storage_location=self.storage_location.data,
            automated_decision_making=None if adm is None else adm == "yes",
            lia_reference=self.lia_reference.data,
            consent_record=self.consent_record.data,
            **self.extras(),
        )


def frequency_data(frequency: str | None) -> dict[str, str | None]:
    """The flow form's frequency fields for a recorded frequency: a suggested value's radio when it
    is one (or one of its other words), else "Something else" with the text.

    >>> frequency_data("Weekly"), frequency_data("per conference")["frequency_choice"]
    ({'frequency_choice': 'weekly', 'frequency': None}, 'other')
    """
    if not (frequency or "").strip():
        return {"frequency_choice": None, "frequency": None}
    text = " ".join((frequency or "").lower().split())
    for term in FREQUENCY:
        if text in (term.code, *term.synonyms, term.label.lower()):
            return {"frequency_choice": term.code, "frequency": None}
    return {"frequency_choice": FREQUENCY_OTHER, "frequency": frequency}


def flow_data(f: Flow, version_id: int | None = None) -> dict[str, Any]:
    """Form data for a flow: catalogued provisions as checkboxes, the rest as 'other'."""
    subjects = [s for s in f.data_subjects if s in DATA_SUBJECTS]
    other_subjects = [s for s in f.data_subjects if s not in DATA_SUBJECTS]
    adm = f.automated_decision_making
    return {
        "key": f.key,
        "name": f.name,
        "source": f.source,
        "recipient": f.recipient,
        "purpose": f.purpose or None,
        "programme": f.programme,
        "agreement": f.agreement,
        "status": f.status,
        "start_date": f.start_date,
        "end_date": f.end_date,
        "identifiability": f.identifiability,
        "data_subjects": subjects,
        "data_subjects_other": ", ".join(other_subjects) or None,
        "data_categories": list(f.data_categories),
        **basis_data(f),
        "retention": f.retention,
        "international_transfer": {
            "country": f.international_transfer.country if f.international_transfer else None,
            "safeguard": f.international_transfer.safeguard if f.international_transfer else None,
        },
        **frequency_data(f.frequency),
        "method": f.method,
        "recipient_basis": basis_data(f.recipient_basis),
        "security_measures": f.security_measures,
        "storage_location": f.storage_location,
        "automated_decision_making": None if adm is None else ("yes" if adm else "no"),
        "lia_reference": f.lia_reference,
        "consent_record": f.consent_record,
        "version_id": version_id,
        **_extras_data(FlowForm, f),
    }


# --- Sign-off, status and archive ----------------------------------------------------------------


class SignForm(RecordForm):
    """One party's sign-off of an agreement."""

    declared_fields = records.by_name(records.PARTY)

    signed_by = TextField("Name of the person who signed")
    signatory_role = TextField("Their role")
    signed_on = GovukDateField("Date signed", what="date signed")

    def validate_signed_by(self, field: Any) -> None:
        _required(field, "Enter the name of the person who signed")
        _max(field, _PARTY["signed_by"], "name of the person who signed")

    def validate_signatory_role(self, field: Any) -> None:
        _required(field, "Enter the signatory's role, for example Director of Children's Services")
        _max(field, _PARTY["signatory_role"], "signatory's role")

    def validate_signed_on(self, field: Any) -> None:
        if field.data is None and not field.errors:
            raise ValidationError("Enter the date signed")
        if field.data and field.data > date.today():
            raise ValidationError("Date signed must be today or in the past")


class DpoReviewForm(RecordForm):
    """A data protection officer's review of an agreement: approve it, or return it with comments."""

    outcome = Choice(
        "Your decision",
        choices=[("approved", "Approve it"), ("returned", "Return it with comments")],
        required="Select whether you approve the agreement or return it",
    )
    comments = LongTextField("Comments")


class StatusForm(RecordForm):
    """A change of an agreement's status (activate, submit for review, expire, terminate)."""

    status = Choice("Status", choices=_options(LABELS["agreement_status"]), required="Select the new status")


class ArchiveForm(RecordForm):
    """Confirmation that a record is to be archived (or restored)."""
