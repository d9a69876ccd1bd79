"""What the map shows: the selection of flows (:class:`MapFilters`) and its checks.

The web page fills a :class:`MapFilters` from its query string
(:func:`isa_registry.web.map_query.filters_from_query`) and the ``render-map`` command from its
options; neither the class nor its checks know where the values came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain import ORGANISATION_KINDS, Registry
from ..law import CATEGORIES, CRIMINAL_CATEGORIES, SPECIAL_CATEGORIES

#: Severities that make a flow "flagged". Info findings (a provision not in the catalogue, a
#: review coming up) are notes, not problems with the sharing.
FLAGGED_SEVERITIES = frozenset({"error", "warning"})

#: Pseudo-categories accepted wherever a data category code is: any special category (UK GDPR
#: Art 9(1)) or any criminal offence data (Art 10).
CATEGORY_GROUPS: dict[str, frozenset[str]] = {
    "special": frozenset(SPECIAL_CATEGORIES),
    "criminal": frozenset(CRIMINAL_CATEGORIES),
}

#: What the overview groups organisations by: their kind (the default), or the programme or the
#: agreement most of their flows in view run under.
GROUPINGS: dict[str, str] = {
    "kind": "kind of organisation",
    "programme": "programme",
    "agreement": "agreement",
}
#: The group of organisations none of whose flows in view has a programme (or an agreement).
NO_GROUP = "none"
#: The group the overview draws the organisations of its smaller programmes (or agreements) in,
#: when they have more groups than fit the window (:data:`~.drawing.OVERVIEW_MAX_GROUPS`).
OTHER_GROUPS = "others"


@dataclass(frozen=True)
class MapFilters:
    """What the map shows: the filters of the ``/map`` page and the options of ``render-map``.

    Attributes
    ----------
    organisation : str or None
        Only this organisation's flows in and out (``depth`` 1), or those of it and its partners
        (``depth`` 2).
    depth : int
        1 or 2.
    category : str or None
        A data category code, ``special`` or ``criminal``.
    programme, agreement : str or None
        Only flows of this programme, or covered by this agreement (by key).
    flagged_only : bool
        Only flows with an error or warning finding.
    as_of : date or None
        The date the map is drawn for; None means today.
    expand : frozenset of str
        Groups drawn one by one: organisation kinds, or with ``group`` a programme or an
        agreement key (:data:`NO_GROUP` for those without, :data:`OTHER_GROUPS` for those the
        overview draws together).
    detail : bool
        Draw every organisation (only kinds more crowded than the cluster threshold grouped), not
        the overview, which groups the organisations when there are more than fit the page.
    group : str
        What the overview groups by, one of :data:`GROUPINGS`.

    Examples
    --------
    >>> MapFilters(organisation="wmp").narrowing, MapFilters(expand=frozenset({"health"})).narrowing
    (True, False)
    """

    organisation: str | None = None
    depth: int = 1
    category: str | None = None
    programme: str | None = None
    agreement: str | None = None
    flagged_only: bool = False
    as_of: date | None = None
    expand: frozenset[str] = frozenset()
    detail: bool = False
    group: str = "kind"

    @property
    def grouping(self) -> str:
        """What groups are made of: the overview's ``group``, or kinds in the detailed map."""
        return "kind" if self.detail else self.group

    @property
    def narrowing(self) -> bool:
        """Whether any filter leaves flows out (the as-of date, expansion, detail and grouping do not
        count)."""
        return bool(
            self.organisation or self.category or self.programme or self.agreement or self.flagged_only
        )

    def as_dict(self) -> dict[str, Any]:
        """The filters as JSON-friendly values.

        Examples
        --------
        >>> MapFilters(category="special", as_of=date(2026, 11, 23)).as_dict()["as_of"]
        '2026-11-23'
        """
        return {
            "organisation": self.organisation,
            "depth": self.depth,
            "category": self.category,
            "programme": self.programme,
            "agreement": self.agreement,
            "flagged_only": self.flagged_only,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "expand": sorted(self.expand),
            "detail": self.detail,
            "group": self.group,
        }


def filter_problems(registry: Registry, filters: MapFilters) -> list[str]:
    """What in ``filters`` names something the registry or the law catalogue does not hold.

    Examples
    --------
    >>> filter_problems(Registry(), MapFilters(organisation="nobody"))
    ["There is no organisation with the key 'nobody'."]
    """
    problems = []
    if filters.organisation and filters.organisation not in registry.organisations:
        problems.append(f"There is no organisation with the key '{filters.organisation}'.")
    if filters.depth not in (1, 2):
        problems.append("Depth must be 1 or 2.")
    if filters.category and filters.category not in CATEGORIES and filters.category not in CATEGORY_GROUPS:
        problems.append(f"There is no data category '{filters.category}'.")
    if filters.agreement and filters.agreement not in registry.agreements:
        problems.append(f"There is no agreement with the key '{filters.agreement}'.")
    if filters.group not in GROUPINGS:
        problems.append(f"Organisations cannot be grouped by '{filters.group}'.")
        return problems
    grouping = filters.grouping
    if grouping == "kind":
        for kind in sorted(filters.expand - set(ORGANISATION_KINDS)):
            problems.append(f"There is no kind of organisation '{kind}' to expand.")
    else:
        known = {NO_GROUP, OTHER_GROUPS} | (
            set(registry.agreements)
            if grouping == "agreement"
            else {f.programme for f in registry.flows.values() if f.programme}
        )
        for key in sorted(filters.expand - known):
            problems.append(f"There is no {GROUPINGS[grouping]} '{key}' to expand.")
    return problems
