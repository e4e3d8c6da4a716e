"""Which records an integration partner may upsert, and how each one connects (issue 12 part 4).

A batch upsert writes a record's properties (from the model) and its *references*: the
relationships that make the record part of the network — a demand's publisher and categories, a
pairing's host and partner, a service record's person and place. Each :class:`Ref` names the input
field (a cobuild id, or a list of them), the relationship type and direction, the labels allowed at
the other end, whether it is required (with the business rule's code), and whether the record
*lives* where that reference lives (``home``: its ``areaPath`` — the authorization key — and its
``regionId`` follow it). Edges of a reference are kept exactly as the item says (full-record
semantics): missing ones are merged, others of that reference removed. ``key`` names fixed edge
properties that tell a reference's edges apart from other edges of the same type (a pairing's HOST
``PARTY_TO`` vs its PARTNER one).

Database-free: the unit of work is :mod:`cobuild.resolvers.upserts`, the GraphQL inputs
:mod:`cobuild.schema.upserts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cobuild.graph import model
from cobuild.graph.naming import plural, upper_first

_ACTORS = ("AdminArea", "PartyOrganization", "Unit")


@dataclass(frozen=True)
class Ref:
    field: str
    rel: str
    labels: tuple[str, ...]
    zh: str
    en: str
    incoming: bool = False  # (other)-[:REL]->(record); else (record)-[:REL]->(other)
    many: bool = False
    required: bool = False
    min_items: int = 1
    key: tuple[tuple[str, Any], ...] = ()
    home: bool = False
    code: str = "VALIDATION"  # a reference of the wrong kind (and, unless missing_code says otherwise, a missing one)
    rule: str | None = None
    missing_code: str | None = None
    input: bool = True  # False: computed by the label's rules (an evaluation's OF target)

    @property
    def key_props(self) -> dict[str, Any]:
        return dict(self.key)

@dataclass(frozen=True)
class Spec:
    label: str
    refs: tuple[Ref, ...] = ()
    derived: tuple[str, ...] = ()  # properties computed, not taken from the input (besides areaPath)

    def __post_init__(self) -> None:
        """Fail at import when a reference names an edge the model does not allow."""
        for ref in self.refs:
            rt = model.rel(ref.rel)
            for other in ref.labels:
                pair = (other, self.label) if ref.incoming else (self.label, other)
                if not rt.connects(*pair):
                    raise ValueError(f"{self.label}.{ref.field}: {ref.rel} cannot connect {pair[0]} to {pair[1]}")

    @property
    def field_name(self) -> str:
        """``upsertUnits``, ``upsertMicroWishes``, ``upsertPersons``."""
        return "upsert" + upper_first(plural(self.label))

    @property
    def input_refs(self) -> tuple[Ref, ...]:
        return tuple(r for r in self.refs if r.input)

    @property
    def homes(self) -> tuple[Ref, ...]:
        return tuple(r for r in self.refs if r.home)

    @property
    def skipped(self) -> tuple[str, ...]:
        """Model properties that are not input fields."""
        return ("id", "createdAt", "updatedAt", "externalId", "areaPath", *self.derived)


def _categories(required: bool = False, code: str = "VALIDATION", rule: str | None = None) -> Ref:
    return Ref("categoryIds", "IN_CATEGORY", ("Category",), "类别", "Categories", many=True, required=required,
               code=code, rule=rule)


SPECS: dict[str, Spec] = {s.label: s for s in (
    Spec("AdminArea", (
        Ref("parentId", "PART_OF", ("AdminArea",), "上级区域", "Parent area (PART_OF); the area lives under it", home=True),
    )),
    Spec("PartyOrganization", (
        Ref("ownerId", "HAS_PARTY_ORG", ("AdminArea", "Unit", "FunctionalZone"), "所属区域、单位或功能区",
            "Owner: an area, unit or functional zone (HAS_PARTY_ORG)", incoming=True, home=True),
        Ref("superiorId", "SUBORDINATE_TO", ("PartyOrganization",), "上级党组织", "Superior party organisation (SUBORDINATE_TO)"),
    )),
    Spec("Unit", (
        Ref("locatedInId", "LOCATED_IN", ("AdminArea", "FunctionalZone"), "主要所在地(区域或功能区)",
            "Primary location: an area or functional zone (LOCATED_IN {primary: true})", key=(("primary", True),), home=True),
    )),
    Spec("Person", (
        Ref("partyOrganizationId", "MEMBER_OF", ("PartyOrganization",), "组织关系所在党组织",
            "Party organisation of membership (MEMBER_OF; Person.partyOrganization)", home=True),
        Ref("employerId", "EMPLOYED_BY", ("Unit",), "工作单位", "Employer (EMPLOYED_BY)", home=True),
    )),
    Spec("Pairing", (
        Ref("hostId", "PARTY_TO", ("AdminArea", "PartyOrganization"), "社区侧:街道、社区、小区或其党组织",
            "Host side: a street, community or compound, or its party organisation", incoming=True, required=True,
            key=(("side", "HOST"),), home=True, code="INVALID_PAIRING_PARTIES", rule="A1"),
        Ref("partnerId", "PARTY_TO", ("Unit", "PartyOrganization"), "单位侧:单位或单位党组织",
            "Partner side: a unit or a unit's party organisation", incoming=True, required=True,
            key=(("side", "PARTNER"),), code="INVALID_PAIRING_PARTIES", rule="A1"),
    ), derived=("level",)),
    Spec("Agreement", (
        Ref("pairingId", "FORMALIZES", ("Pairing",), "所确立的结对", "The pairing it formalises", required=True, home=True),
        Ref("signerIds", "SIGNED", _ACTORS, "签署方(至少两方,须为结对各方)", "Signers (at least two, parties to the pairing)",
            incoming=True, many=True, required=True, min_items=2, code="SIGNER_NOT_PARTY", rule="A3",
            missing_code="VALIDATION"),
    )),
    Spec("Demand", (
        Ref("publisherId", "PUBLISHES", _ACTORS + ("Person",), "发布方", "Publisher: area, party organisation, unit or resident",
            incoming=True, required=True, home=True, code="PUBLISHER_REQUIRED", rule="D3"),
        _categories(required=True, code="CATEGORY_REQUIRED", rule="D3"),
    )),
    Spec("Resource", (
        Ref("providerId", "OFFERS", _ACTORS + ("Person",), "提供方", "Provider: area, party organisation, unit or person (OFFERS; Resource.provider)",
            incoming=True, home=True),
        _categories(),
    )),
    Spec("Project", (
        Ref("underId", "UNDER", ("Pairing", "Program", "Alliance"), "所属结对、品牌或联盟", "Under a pairing, program or alliance",
            home=True),
        _categories(),
        Ref("addressedDemandIds", "ADDRESSES", ("Demand",), "回应的需求", "Demands it addresses (ADDRESSES; Project.addressedDemands)",
            many=True),
    )),
    Spec("MicroWish", (
        Ref("publisherId", "PUBLISHES", _ACTORS + ("Person",), "发布方", "Publisher: area, party organisation, unit or resident",
            incoming=True, required=True, home=True, code="PUBLISHER_REQUIRED"),
        _categories(),
    )),
    Spec("ServiceRecord", (
        Ref("personId", "PERFORMED", ("Person",), "服务人", "The person who served", incoming=True, required=True),
        Ref("atId", "AT", ("AdminArea", "Venue"), "服务地点(社区或阵地)", "Where: a community (area) or a venue", required=True,
            home=True),
        Ref("forId", "FOR", ("Project", "Demand", "MicroWish"), "服务对象", "For: a demand, project or micro-wish"),
    )),
    Spec("Evaluation", (
        Ref("pairingId", "ABOUT", ("Pairing",), "被评议的结对", "The pairing evaluated", required=True, home=True),
        Ref("evaluatorId", "GAVE", _ACTORS, "评议方(与方向对应一侧的结对方)", "Evaluator: a party on the side matching the direction",
            incoming=True, required=True, code="EVALUATOR_NOT_PARTY", rule="E3"),
        Ref("ofId", "OF", _ACTORS, "被评议对象", "Evaluated party (the first party of the other side)", input=False),
    )),
    Spec("Venue", (
        Ref("locatedInId", "LOCATED_IN", ("AdminArea", "FunctionalZone"), "所在区域或功能区", "Located in an area or functional zone",
            key=(("primary", True),), home=True),
        Ref("operatorIds", "OPERATES", _ACTORS, "运营方", "Operators (OPERATES {role: OPERATOR})", incoming=True, many=True,
            key=(("role", "OPERATOR"),)),
    )),
    Spec("Alliance", (
        Ref("leadIds", "BELONGS_TO", ("Unit", "PartyOrganization"), "牵头成员", "Lead members (BELONGS_TO {role: LEAD})",
            incoming=True, many=True, key=(("role", "LEAD"),)),
        Ref("memberIds", "BELONGS_TO", ("Unit", "PartyOrganization"), "成员", "Members (BELONGS_TO {role: MEMBER})",
            incoming=True, many=True, key=(("role", "MEMBER"),)),
    )),
)}
UPSERT_LABELS: tuple[str, ...] = tuple(SPECS)


def spec(label_name: str) -> Spec:
    try:
        return SPECS[label_name]
    except KeyError:
        raise KeyError(f"{label_name} cannot be batch-upserted; partners may upsert {', '.join(SPECS)}") from None
