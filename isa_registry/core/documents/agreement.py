"""The agreement document: what an information-sharing agreement says, from the registry.

The sections follow the ICO's data sharing code of practice (the section on data sharing
agreements, and the checklist in its Annex A): the parties and their roles, the purpose and its
benefits, the data, a schedule of the flows with the law each relies on, individuals' rights and
transparency, security, retention and deletion, review, termination, breaches, and a signature
block per party. Every paragraph of the law is worded as the flow pages word it.

The document carries the agreement's key, version, status, the date it was produced and a short
hash of its content (:func:`.model.content_hash`): the same registry and date give the same hash.
An agreement that is not active is marked DRAFT on every page, and the findings on it and on its
flows are listed in an annex, so nobody signs an agreement with open errors unknowingly.

Pure: the registry, the findings and the sign-off dates are handed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime

from .. import records, vocabulary
from ..domain import Agreement, Finding, Flow, Registry
from . import law_words as words
from .model import Bullets, Document, Paragraph, Section, Table, Text, content_hash

__all__ = ["agreement_document", "agreement_findings", "document_date", "findings_section"]


def document_date(day: date) -> str:
    """A date as documents print it: ``1 April 2026``.

    >>> document_date(date(2026, 4, 1))
    '1 April 2026'
    """
    return f"{day.day} {day:%B %Y}"


def _date(day: date | None, missing: str = "Not set") -> str:
    return document_date(day) if day else missing


def _flows(registry: Registry, key: str) -> list[Flow]:
    return sorted(
        (f for f in registry.flows.values() if f.agreement == key and not f.archived), key=lambda f: f.key
    )


def agreement_findings(registry: Registry, key: str, findings: Iterable[Finding]) -> list[Finding]:
    """The findings on the agreement and on the flows it covers."""
    flow_keys = {f.key for f in _flows(registry, key)}
    return [
        f
        for f in findings
        if (f.subject_type == "agreement" and f.subject_key == key)
        or (f.subject_type == "flow" and f.subject_key in flow_keys)
    ]


def agreement_document(
    registry: Registry,
    key: str,
    as_of: date,
    findings: Iterable[Finding] = (),
    *,
    signatures: bool = True,
    sign_offs_recorded: Mapping[str, datetime] | None = None,
    public: bool = False,
) -> Document:
    """The document of agreement ``key`` as the registry holds it, produced on ``as_of``.

    ``findings`` are the rules' findings on ``as_of`` (those on other records are ignored).
    Without ``signatures`` the signature blocks leave out who signed (for the public register).
    ``sign_offs_recorded`` gives, by party, when its sign-off was recorded in the registry. A
    ``public`` document (the public register's) names no signatory and lists no findings.
    Raises KeyError for an agreement the registry does not hold.
    """
    agreement = registry.agreements[key]
    flows = _flows(registry, key)
    draft = agreement.status != "active" or agreement.archived
    status = vocabulary.AGREEMENT_STATUS[agreement.status].label
    version = agreement.version or "not numbered"
    produced = document_date(as_of)
    sections = [
        _parties(registry, agreement),
        _purpose(agreement, flows),
        _data(agreement, flows),
        _schedule(registry, flows),
        _rights(registry, agreement, flows),
        _security(flows),
        _retention(flows),
        _review(agreement),
        _termination(agreement),
        _breaches(registry, agreement),
        _signatures(
            registry, agreement, signatures and not public, {} if public else sign_offs_recorded or {}
        ),
    ]
    if draft and not public:
        sections.append(findings_section(agreement_findings(registry, key, findings)))
    document = Document(
        title=agreement.title,
        caption=f"Information-sharing agreement {agreement.key}",
        details=(
            ("Reference", agreement.key),
            ("Version", version),
            ("Status", status),
            ("Owner", registry.organisation_name(agreement.owner) or "Not recorded"),
            ("Start date", _date(agreement.start_date)),
            ("Review date", _date(agreement.review_date)),
            ("End date", _date(agreement.end_date)),
            ("DPIA reference", agreement.dpia_reference or "Not recorded"),
            ("Produced from the registry on", produced),
        ),
        sections=tuple(sections),
        footer=f"{agreement.key} version {version}, {status.lower()}, produced {produced}",
        draft=draft,
    )
    return replace(document, content_hash=content_hash(document))


def _parties(registry: Registry, agreement: Agreement) -> Section:
    rows: list[tuple[Text, ...]] = []
    for p in agreement.parties:
        org = registry.organisations.get(p.organisation)
        rows.append(
            (
                (registry.organisation_name(p.organisation),),
                (vocabulary.PARTY_ROLE[p.role].label if p.role in vocabulary.PARTY_ROLE else p.role,),
                ((org.ico_registration if org else None) or words.NOT_RECORDED,),
                ((org.dpo_contact if org else None) or words.NOT_RECORDED,),
            )
        )
    return Section(
        "1. The parties",
        (
            Paragraph(
                (
                    "This agreement is between the organisations below. Each is a controller of the "
                    "personal data it holds unless its role says otherwise.",
                )
            ),
            Table(
                "The parties to the agreement",
                ("Organisation", "Role", "ICO registration number", "Data protection officer contact"),
                tuple(rows),
                row_headers=True,
            ),
        ),
    )


def _purpose(agreement: Agreement, flows: list[Flow]) -> Section:
    blocks: list[Paragraph | Bullets | Table] = [
        Paragraph((agreement.purpose or "The purpose of the agreement is not recorded.",))
    ]
    programmes = sorted({f.programme for f in flows if f.programme})
    if programmes:
        blocks.append(Paragraph(("The sharing serves these services and programmes:",)))
        blocks.append(Bullets(tuple((p,) for p in programmes)))
    purposes = [(f"{f.name}: {f.purpose}",) for f in flows if f.purpose]
    if purposes:
        blocks.append(Paragraph(("What each sharing is for, and the benefit it brings:",)))
        blocks.append(Bullets(tuple(purposes)))
    return Section("2. Purpose and benefits", tuple(blocks))


def _data(agreement: Agreement, flows: list[Flow]) -> Section:
    categories = list(agreement.data_categories)
    for f in flows:
        categories += [c for c in f.data_categories if c not in categories]
    blocks: list[Paragraph | Bullets | Table] = [
        Paragraph(("The categories of personal data shared under this agreement:",)),
        Bullets(tuple((words.category_text(c),) for c in categories))
        if categories
        else Paragraph(("None recorded.",)),
    ]
    subjects: list[str] = []
    for f in flows:
        subjects += [s for s in f.data_subjects if s not in subjects]
    blocks.append(Paragraph((f"The people the data is about: {words.subjects_text(subjects)}.",)))
    labels = vocabulary.IDENTIFIABILITY.labels()
    forms = sorted({f.identifiability for f in flows}, key=vocabulary.IDENTIFIABILITY.codes.index)
    if forms:
        blocks.append(
            Paragraph(
                (
                    "The data is shared in these forms: "
                    + ", ".join(labels[i].lower() for i in forms)
                    + ". Pseudonymised data is still personal data; anonymised data is not.",
                )
            )
        )
    return Section("3. The data", tuple(blocks))


def _schedule(registry: Registry, flows: list[Flow]) -> Section:
    status = vocabulary.FLOW_STATUS.labels()
    rows = tuple(
        (
            (f"{f.key} {f.name}" + ("" if f.status == "active" else f" ({status[f.status].lower()})"),),
            (registry.organisation_name(f.source),),
            (registry.organisation_name(f.recipient),),
            ("; ".join(words.category_text(c) for c in f.data_categories) or words.NOT_RECORDED,),
            (words.lawful_basis(f),),
            (words.special_condition(f),),
            (words.schedule1(f),),
            (words.part3(f),),
            words.gateways(f),
            (f.frequency or words.NOT_RECORDED,),
            (f.method or words.NOT_RECORDED,),
            (f.retention or words.NOT_RECORDED,),
            (words.transfer_text(f),),
        )
        for f in flows
    )
    blocks: list[Paragraph | Bullets | Table] = [
        Paragraph(
            (
                "One row per flow of data under this agreement. The lawful basis is the disclosing "
                "organisation's.",
            )
        ),
    ]
    if rows:
        blocks.append(
            Table(
                "Schedule of data flows",
                (
                    "Flow",
                    "From",
                    "To",
                    "Data",
                    "UK GDPR Art 6 basis",
                    "Art 9 condition",
                    "DPA 2018 Schedule 1",
                    "DPA 2018 Part 3 basis and Schedule 8",
                    "Statutory gateways",
                    "Frequency",
                    "Method",
                    "Retention",
                    "International transfer and safeguard",
                ),
                rows,
                row_headers=True,
                wide=True,
            )
        )
    else:
        blocks.append(Paragraph(("No flows are recorded under this agreement.",)))
    summaries = words.law_summaries(flows)
    sub = (Section("The law relied on, in plain English", (Bullets(summaries),)),) if summaries else ()
    return Section("4. Schedule of data flows", tuple(blocks), sub)


def _each_party(registry: Registry, agreement: Agreement, detail: str) -> tuple[tuple[str], ...]:
    """A bullet for each party: its name and one of its organisation's details (``detail``, the
    field's name), or that it is not recorded."""
    out = []
    for p in agreement.parties:
        org = registry.organisations.get(p.organisation)
        value = getattr(org, detail) if org else None
        out.append((f"{registry.organisation_name(p.organisation)}: {value or words.NOT_RECORDED}",))
    return tuple(out)


def _rights(registry: Registry, agreement: Agreement, flows: list[Flow]) -> Section:
    blocks: list[Paragraph | Bullets | Table] = [
        Paragraph(
            (
                "Each party tells the people whose data it shares about this sharing in its privacy "
                "notice (UK GDPR Articles 13 and 14), and answers requests from them to see, correct, "
                "erase or restrict their data, or object to its use (Articles 15 to 21). A party that "
                "receives a request about data it received from another party tells that party "
                "without delay.",
            )
        ),
    ]
    automated = [f for f in flows if f.automated_decision_making]
    if automated:
        blocks.append(
            Paragraph(
                (
                    "These flows feed automated decision-making (Article 22), which the "
                    "privacy notices must describe:",
                )
            )
        )
        blocks.append(Bullets(tuple((f"{f.key} {f.name}",) for f in automated)))
    special = [f for f in flows if f.article9 or f.schedule1 or f.schedule8]
    if special:
        blocks.append(
            Paragraph(
                (
                    "Special category or criminal offence data is shared. Each party's "
                    "appropriate policy document (DPA 2018 Schedule 1 Part 4):",
                )
            )
        )
        blocks.append(Bullets(_each_party(registry, agreement, "appropriate_policy_document")))
    return Section("5. Individuals' rights and transparency", tuple(blocks))


#: A flow's fields by name: a per-flow table heads each column with its field's label.
_FLOW_FIELDS = records.by_name(records.FLOW)


def _per_flow_section(
    title: str, text: str, flows: list[Flow], caption: str, fields: tuple[str, ...]
) -> Section:
    """A section of what every party undertakes, then a table of what each flow records: a column
    for each of the flow's ``fields``, headed by its label (none when no flow is covered)."""
    blocks: list[Paragraph | Bullets | Table] = [Paragraph((text,))]
    if flows:
        rows = tuple(
            ((f"{f.key} {f.name}",), *((getattr(f, name) or words.NOT_RECORDED,) for name in fields))
            for f in flows
        )
        headings = tuple(_FLOW_FIELDS[name].label for name in fields)
        blocks.append(Table(caption, ("Flow", *headings), rows, row_headers=True))
    return Section(title, tuple(blocks))


def _security(flows: list[Flow]) -> Section:
    return _per_flow_section(
        "6. Security",
        "Each party keeps the data it receives secure, with measures appropriate to the risk "
        "(UK GDPR Article 32), and limits access to the staff who need it for the purpose.",
        flows,
        "Security of each flow",
        ("method", "security_measures", "storage_location"),
    )


def _retention(flows: list[Flow]) -> Section:
    return _per_flow_section(
        "7. Retention and deletion",
        "The recipient keeps the data no longer than the period below, then deletes or destroys "
        "it securely, or anonymises it.",
        flows,
        "Retention of each flow",
        ("retention",),
    )


def _review(agreement: Agreement) -> Section:
    owner = agreement.owner or ""
    text = (
        f"The agreement is next reviewed by {_date(agreement.review_date, 'a date not yet set')}. "
        "The owner"
        + (f" ({owner})" if owner else "")
        + " asks every party whether the sharing is still needed, whether the data is still the "
        "minimum needed, and whether the law relied on has changed; the registry records the new "
        "version and each party signs it again."
    )
    return Section("8. Review", (Paragraph((text,)),))


def _termination(agreement: Agreement) -> Section:
    end = f"The agreement ends on {document_date(agreement.end_date)}. " if agreement.end_date else ""
    return Section(
        "9. Termination",
        (
            Paragraph(
                (
                    end + "Any party may withdraw by giving notice in writing to the others. When the "
                    "agreement ends, sharing under it stops; data already shared is kept or deleted as "
                    "the retention section says.",
                )
            ),
        ),
    )


def _breaches(registry: Registry, agreement: Agreement) -> Section:
    contacts = _each_party(registry, agreement, "dpo_contact")
    return Section(
        "10. Personal data breaches",
        (
            Paragraph(
                (
                    "A party that finds a breach of data shared under this agreement tells the party "
                    "that disclosed it without delay, through its data protection officer below. The "
                    "controller reports it to the ICO within 72 hours unless it is unlikely to result "
                    "in a risk to people (UK GDPR Article 33), and tells the people affected when the "
                    "risk to them is high (Article 34).",
                )
            ),
            Bullets(contacts) if contacts else Paragraph(("No parties recorded.",)),
        ),
    )


def _signatures(
    registry: Registry, agreement: Agreement, signatures: bool, recorded: Mapping[str, datetime]
) -> Section:
    subsections = []
    for p in agreement.parties:
        role = vocabulary.PARTY_ROLE[p.role].label if p.role in vocabulary.PARTY_ROLE else p.role
        if signatures:
            rows: tuple[tuple[Text, ...], ...] = (
                (("Role in the agreement",), (role,)),
                (("Signed by",), (p.signed_by or "Not signed",)),
                (("Their role",), (p.signatory_role or "",)),
                (("Date signed",), (_date(p.signed_on, "Not signed"),)),
                (
                    ("Recorded in the registry",),
                    (_date(recorded[p.organisation].date()) if p.organisation in recorded else "",),
                ),
            )
        else:
            rows = (
                (("Role in the agreement",), (role,)),
                (("Date signed",), (_date(p.signed_on, "Not signed"),)),
            )
        subsections.append(
            Section(
                registry.organisation_name(p.organisation),
                (
                    Table(
                        f"Signature of {registry.organisation_name(p.organisation)}",
                        ("", ""),
                        rows,
                        row_headers=True,
                    ),
                ),
            )
        )
    return Section(
        "11. Signatures",
        (
            Paragraph(
                ("Signed for each party by someone with the authority to commit it to this agreement.",)
            ),
        ),
        tuple(subsections),
    )


def findings_section(findings: list[Finding]) -> Section:
    """The annex listing open findings, or saying there are none."""
    if not findings:
        return Section("Annex: open findings", (Paragraph(("The registry's rules found nothing to fix.",)),))
    severity = {"error": "Error", "warning": "Warning", "info": "Information"}
    rows = tuple(
        (
            (f"{f.subject_type.capitalize()} {f.subject_key}",),
            (severity.get(f.severity, f.severity),),
            (f.message,),
            (f.remedy,),
            (f.reference,),
        )
        for f in findings
    )
    return Section(
        "Annex: open findings",
        (
            Paragraph(
                (
                    "This agreement is not active. The registry's rules found these problems with it and "
                    "with the flows it covers; fix them before it is signed.",
                )
            ),
            Table(
                "Open findings",
                ("Record", "Severity", "Problem", "What to do", "Reference"),
                rows,
                row_headers=True,
            ),
        ),
    )
