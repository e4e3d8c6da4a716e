"""What the question result types share: the entity types they embed and the bilingual field."""

from typing import Any

import strawberry

from cobuild.schema.entities import TYPES
from cobuild.schema.filters import bi

AdminAreaT = TYPES["AdminArea"]
UnitT = TYPES["Unit"]
PartyOrganizationT = TYPES["PartyOrganization"]
PersonT = TYPES["Person"]
PairingT = TYPES["Pairing"]
DemandT = TYPES["Demand"]
ResourceT = TYPES["Resource"]
StatisticT = TYPES["Statistic"]
AllianceT = TYPES["Alliance"]
EvaluationT = TYPES["Evaluation"]


def field(zh: str, en: str) -> Any:
    return strawberry.field(description=bi(zh, en))
