"""Questions an information governance officer asks of the registry on a date.

* :func:`who_receives` — every organisation that receives a kind of person's data of a category,
  or, from one organisation (a subject access or erasure request), where it goes on from there.
* :func:`breach_impact` — what a breach at one organisation touches: what it received and from
  whom, what it sent on and to whom, the special category and criminal offence data among them,
  and the agreements engaged.

Both are free functions of the registry; their answers turn into JSON (``as_dict``) and CSV
(:mod:`.tables`). A flow counts by :func:`isa_registry.core.scope.flow_shares_personal_data_on`.
"""

from ._common import (
    CATEGORY_GROUP_LABELS,
    MAX_PATHS,
    AnalysisError,
    FlowLine,
    Reached,
    UnknownCategory,
    UnknownOrganisation,
    UnknownSubjects,
    category_codes,
    category_query_label,
    check_organisation,
    check_subjects,
    subject_codes,
    subject_label,
)
from .breach_impact import (
    CONTROLLER_DUTY,
    PROCESSOR_DUTY,
    BreachImpact,
    EngagedAgreement,
    ToTell,
    breach_impact,
)
from .tables import breach_impact_rows, generate_csv, who_receives_rows
from .who_receives import WhoReceives, who_receives

__all__ = [
    "CATEGORY_GROUP_LABELS",
    "CONTROLLER_DUTY",
    "MAX_PATHS",
    "PROCESSOR_DUTY",
    "AnalysisError",
    "BreachImpact",
    "EngagedAgreement",
    "FlowLine",
    "Reached",
    "ToTell",
    "UnknownCategory",
    "UnknownOrganisation",
    "UnknownSubjects",
    "WhoReceives",
    "breach_impact",
    "breach_impact_rows",
    "category_codes",
    "category_query_label",
    "check_organisation",
    "check_subjects",
    "generate_csv",
    "subject_codes",
    "subject_label",
    "who_receives",
    "who_receives_rows",
]
