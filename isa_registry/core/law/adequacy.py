"""The UK's adequacy regulations: the countries a transfer can rest on adequacy for (UK GDPR Art 45A).

As they stand on the catalogue date (2026-11-23). Since the Data (Use and Access) Act 2025 a
transfer may be made on the basis of regulations approving the country under Art 45A (the data
protection test, Art 45B); regulations made under the old Art 45 / DPA 2018 s17A, and the
countries treated as adequate on the UK's exit from the EU, continue to count. Three routes:

* DPA 2018 Sch 21 para 4: the EEA states and Gibraltar are treated as the subject of adequacy
  regulations (``ukpga/2018/12/schedule/21/paragraph/4``).
* DPA 2018 Sch 21 para 5: the countries of the European Commission's adequacy decisions in force
  before the end of the transition period (each decision's ``eudn/YEAR/NUMBER`` identifier on
  legislation.gov.uk, with ``ukpga/2018/12/schedule/21/paragraph/5``).
* Regulations made by the Secretary of State since: the Republic of Korea (SI 2022/1213) and the
  United States, only for organisations certified to the UK Extension to the EU-US Data Privacy
  Framework (SI 2023/1028).

``scope`` is ``whole`` when the regulations cover any recipient in the country, ``partial`` when
they cover only some (Canada: organisations subject to PIPEDA, the federal private sector law;
Japan: the private sector under its Act on the Protection of Personal Information; the United
States: organisations certified to the UK Extension).

Left out because their status on the catalogue date could not be confirmed from the text:
adequacy regulations announced or in preparation (for example for the Dubai International
Financial Centre and the European Patent Organisation). A transfer to such a place on "adequacy"
gets FLOW_TRANSFER_NOT_ADEQUATE; if the regulations have been made, add them here with their
SI number. Israel's decision (2011/61/EU) covers automated processing and Korea's regulations
leave out some processing (for example by religious organisations for missionary work); both are
recorded as ``whole`` because they do not limit the recipients, and the note says what they leave
out.

Examples
--------
>>> adequacy_for("usa").scope
'partial'
>>> adequacy_for(" FR ").country
'France'
>>> adequacy_for("India") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ADEQUACY", "UK_NAMES", "Adequacy", "adequacy_for", "adequacy_status", "normalise_country"]

_BASE = "https://www.legislation.gov.uk/"
_PARA4 = "ukpga/2018/12/schedule/21/paragraph/4"
_PARA5 = "ukpga/2018/12/schedule/21/paragraph/5"


@dataclass(frozen=True)
class Adequacy:
    """One country (or territory) the UK's adequacy regulations cover.

    ``names``: the words a flow's ``transfer_country`` may use, lower case (its ISO 3166 alpha-2
    code among them). ``instrument``: the regulations or decision, as a reader cites it;
    ``identifiers``: their legislation.gov.uk identifiers, the source of the entry.
    """

    country: str
    names: tuple[str, ...]
    scope: str
    instrument: str
    identifiers: tuple[str, ...]
    note: str = ""

    @property
    def phrase(self) -> str:
        """The country inside a sentence: ``the United States``, ``Canada``."""
        return f"the {self.country}" if self.country in _WITH_THE else self.country

    @property
    def sources(self) -> tuple[str, ...]:
        """The legislation.gov.uk pages the entry rests on."""
        return tuple(_BASE + i for i in self.identifiers)


_ENTRIES: list[Adequacy] = []
_WITH_THE = frozenset(
    {
        "United States",
        "Republic of Korea",
        "Netherlands",
        "Faroe Islands",
        "Isle of Man",
        "European Union or European Economic Area",
    }
)

_EEA: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Austria", "at", ()),
    ("Belgium", "be", ()),
    ("Bulgaria", "bg", ()),
    ("Croatia", "hr", ()),
    ("Cyprus", "cy", ()),
    ("Czechia", "cz", ("czech republic",)),
    ("Denmark", "dk", ()),
    ("Estonia", "ee", ()),
    ("Finland", "fi", ()),
    ("France", "fr", ()),
    ("Germany", "de", ()),
    ("Greece", "gr", ("el",)),
    ("Hungary", "hu", ()),
    ("Ireland", "ie", ("republic of ireland", "eire")),
    ("Italy", "it", ()),
    ("Latvia", "lv", ()),
    ("Lithuania", "lt", ()),
    ("Luxembourg", "lu", ()),
    ("Malta", "mt", ()),
    ("Netherlands", "nl", ("holland",)),
    ("Poland", "pl", ()),
    ("Portugal", "pt", ()),
    ("Romania", "ro", ()),
    ("Slovakia", "sk", ("slovak republic",)),
    ("Slovenia", "si", ()),
    ("Spain", "es", ()),
    ("Sweden", "se", ()),
    ("Iceland", "is", ()),
    ("Liechtenstein", "li", ()),
    ("Norway", "no", ()),
)
for _name, _code, _others in _EEA:
    _ENTRIES.append(
        Adequacy(
            _name,
            (_name.lower(), _code, *_others),
            "whole",
            "DPA 2018 Sch 21 para 4 (EEA state)",
            (_PARA4,),
        )
    )
_ENTRIES.append(
    Adequacy(
        "European Union or European Economic Area",
        ("eu", "european union", "eea", "european economic area", "eu/eea", "eea/eu"),
        "whole",
        "DPA 2018 Sch 21 para 4 (EEA states)",
        (_PARA4,),
        note="Recorded as a region: every EEA state is covered.",
    )
)
_ENTRIES.append(
    Adequacy("Gibraltar", ("gibraltar", "gi"), "whole", "DPA 2018 Sch 21 para 4 (Gibraltar)", (_PARA4,))
)


def _decision(
    country: str, names: tuple[str, ...], decision: str, scope: str = "whole", note: str = ""
) -> None:
    year, number = decision.split("/")
    # The Commission's decisions were numbered "/EC" until the Lisbon Treaty, "/EU" after.
    suffix = "EC" if int(year) < 2010 else "EU"
    _ENTRIES.append(
        Adequacy(
            country,
            (country.lower(), *names),
            scope,
            f"Commission Decision {year}/{number}/{suffix}, carried over by DPA 2018 Sch 21 para 5",
            (f"eudn/{year}/{number}", _PARA5),
            note,
        )
    )


_decision("Andorra", ("ad",), "2010/625")
_decision("Argentina", ("ar",), "2003/490")
_decision("Faroe Islands", ("fo", "faroes", "faeroe islands"), "2010/146")
_decision("Guernsey", ("gg", "bailiwick of guernsey"), "2003/821")
_decision("Isle of Man", ("im",), "2004/411")
_decision(
    "Israel",
    ("il", "state of israel"),
    "2011/61",
    note="The decision covers transfers processed automatically in Israel.",
)
_decision("Jersey", ("je", "bailiwick of jersey"), "2008/393")
_decision("New Zealand", ("nz",), "2013/65")
_decision("Switzerland", ("ch", "swiss confederation"), "2000/518")
_decision("Uruguay", ("uy",), "2012/484")
_decision(
    "Canada",
    ("ca",),
    "2002/2",
    scope="partial",
    note="Only recipients subject to the Personal Information Protection and Electronic Documents "
    "Act (PIPEDA), Canada's federal law for commercial organisations; public bodies and most "
    "non-commercial bodies are not covered.",
)
_ENTRIES.append(
    Adequacy(
        "Japan",
        ("japan", "jp"),
        "partial",
        "Commission Implementing Decision (EU) 2019/419, carried over by DPA 2018 Sch 21 para 5",
        ("eudn/2019/419", _PARA5),
        note="Only the private sector: business operators subject to Japan's Act on the Protection "
        "of Personal Information; public bodies are not covered.",
    )
)
_ENTRIES.append(
    Adequacy(
        "Republic of Korea",
        ("republic of korea", "south korea", "korea, republic of", "kr"),
        "whole",
        "The Data Protection (Adequacy) (Republic of Korea) Regulations 2022 (SI 2022/1213)",
        ("uksi/2022/1213",),
        note="In force 19 December 2022; some processing is left out (for example by religious "
        "organisations for missionary work and by political parties for nominating candidates).",
    )
)
_ENTRIES.append(
    Adequacy(
        "United States",
        (
            "united states",
            "united states of america",
            "usa",
            "us",
            "u.s.",
            "u.s.a.",
            "america",
        ),
        "partial",
        "The Data Protection (Adequacy) (United States of America) Regulations 2023 (SI 2023/1028)",
        ("uksi/2023/1028",),
        note="Only organisations certified to the UK Extension to the EU-US Data Privacy Framework "
        "(in force 12 October 2023); check the recipient on the Data Privacy Framework List.",
    )
)

#: Every country the UK's adequacy regulations cover, keyed by the country's name.
ADEQUACY: dict[str, Adequacy] = {e.country: e for e in _ENTRIES}
_BY_NAME: dict[str, Adequacy] = {name: e for e in _ENTRIES for name in e.names}

assert len(ADEQUACY) == len(_ENTRIES), "duplicate country"
assert len(_BY_NAME) == sum(len(e.names) for e in _ENTRIES), "a name given to two countries"

#: What a transfer country may say when the data does not in fact leave the UK.
UK_NAMES = frozenset(
    {"uk", "gb", "united kingdom", "great britain", "england", "wales", "scotland", "northern ireland"}
)


def normalise_country(text: str) -> str:
    """A country as :data:`ADEQUACY` looks it up: lower case, single spaces, no leading 'the'.

    >>> normalise_country("  The   United  States ")
    'united states'
    """
    words = re.sub(r"\s+", " ", (text or "").strip().lower())
    return words.removeprefix("the ").strip()


def adequacy_for(country: str) -> Adequacy | None:
    """The adequacy regulations that cover ``country`` (a name or ISO code), or None."""
    key = normalise_country(country)
    return _BY_NAME.get(key) or _BY_NAME.get(key.replace(".", "")) or _BY_NAME.get(key.rstrip("."))


def adequacy_status(country: str | None) -> str | None:
    """A sentence on the country's UK adequacy status, as the flow page and form show it.

    None when no country is given or it is the UK itself.

    >>> adequacy_status("Norway")
    'UK adequacy regulations cover Norway (DPA 2018 Sch 21 para 4 (EEA state)).'
    >>> adequacy_status("Brazil").startswith("No UK adequacy regulations cover Brazil")
    True
    """
    key = normalise_country(country or "")
    if not key or key in UK_NAMES:
        return None
    found = adequacy_for(key)
    name = (country or "").strip()
    if found is None:
        return (
            f"No UK adequacy regulations cover {name}: a transfer there needs an IDTA, the Addendum, "
            "binding corporate rules or an Article 49 derogation."
        )
    if found.scope == "partial":
        return f"UK adequacy regulations cover only some recipients in {found.phrase}. {found.note}"
    return f"UK adequacy regulations cover {found.phrase} ({found.instrument})."
