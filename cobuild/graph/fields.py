"""Every relationship field and page field of every label, declared once, in one explicit table.

A field is named for what it holds (``AdminArea.children``, ``Unit.employees``,
``Demand.publisher``), not for the relationship type it follows. Three kinds:

* **relationship fields** (:data:`RELATIONSHIP_FIELDS`, keyed by ``(label, relationship type,
  direction)``): one hop. Where the other end can be labels of different kinds the entry splits into
  one field per label (``AdminArea.unitsLocatedHere`` / ``zonesLocatedHere`` / ``venuesLocatedHere``);
  one field may span several labels only where they are all *actors* (``Pairing.parties: Actor``) or
  where the entry says ``entity=True`` (the owner of a party organisation may be a functional zone).
* **to-one fields** (``kind="one"``): the model's cardinality says at most one node at that end
  (``PART_OF`` out → ``parent``). They are plain nullable fields returning the node; when the data
  holds several, the first by id wins. A to-one field whose relationship has properties also gets
  ``<field>Link`` returning ``{<properties>, node}`` (``parentLink { confidence node { name } }``).
* **side fields**: on an ``AdminArea`` and on a ``Unit`` the relationships it shares with its party
  organisations (pairings, agreements, demands, claims, …) cover its whole *side* — a unit and its
  party organisations; an area, the areas below it and all their party organisations — because the
  sources pair communities sometimes with a unit and sometimes with its party organisation. Their
  edges list ``via``: the members of the side that hold the link. **Page fields**
  (:data:`PAGE_FIELDS`: ``AdminArea.projects``, ``communities``, ``reportingMembers`` …) are declared
  the same way — a side (a prefix walk, then the member step) and hops — and the compiler projects
  them like a relationship.

Everything else is a connection (``first``/``after``/``where``/``orderBy``, ``totalCount``).
A model change without an entry here fails at import with a :class:`~cobuild.errors.ModelError`
that says which entry to add. Database- and Strawberry-free: the compiler and the schema use it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from cobuild.errors import ModelError
from cobuild.graph import model

Direction = Literal["out", "in"]
Kind = Literal["one", "many"]

COMMUNITY_LEVELS = ("COMMUNITY", "VILLAGE")
# An area's subtree is walked at most this many PART_OF levels down (city → district → street →
# community → compound): the same bound the network questions use.
SUBTREE_DEPTH = 4


@dataclass(frozen=True)
class Walk:
    """One segment of a field's path: follow ``rel`` in ``direction`` (``min``..``max`` times) to a
    node of ``label`` (None: whatever the relationship reaches — an area or its party organisation),
    keeping only areas of ``levels`` and relationships whose ``edge_eq`` properties hold those values."""

    rel: str
    direction: Direction
    label: str | None
    min: int = 1
    max: int = 1
    levels: tuple[str, ...] = ()
    edge_eq: tuple[tuple[str, str], ...] = ()

    @property
    def var_length(self) -> bool:
        return (self.min, self.max) != (1, 1)


@dataclass(frozen=True)
class Side:
    """Who stands for an owner: ``prefix`` walked first (an area's subtree), then ``member``: one
    more optional step to the member itself (``HAS_PARTY_ORG*0..1``: the area or unit itself, or one
    of its party organisations)."""

    prefix: tuple[Walk, ...]
    member: Walk | None
    zh: str
    en: str


_PO = Walk("HAS_PARTY_ORG", "out", "PartyOrganization")
_SELF_OR_PO = Walk("HAS_PARTY_ORG", "out", None, 0, 1)
_DOWN = Walk("PART_OF", "in", "AdminArea", 0, SUBTREE_DEPTH)
UNIT_SIDE = Side((), _SELF_OR_PO, "本单位及其党组织", "the unit itself and its party organisations")
COMMUNITY_SIDE = Side(
    (_DOWN,), _SELF_OR_PO,
    f"本区域、其下级区域(至多 {SUBTREE_DEPTH} 级)及这些区域的党组织",
    f"the area itself, the areas below it (up to {SUBTREE_DEPTH} levels) and the party organisations of all of them",
)
COMMUNITY_ORGS = Side(
    (_DOWN,), _PO,
    f"本区域及其下级区域(至多 {SUBTREE_DEPTH} 级)的党组织",
    f"the party organisations of the area and of the areas below it (up to {SUBTREE_DEPTH} levels)",
)
SUBTREE = Side(
    (_DOWN,), None,
    f"本区域及其下级区域(至多 {SUBTREE_DEPTH} 级)", f"the area itself and the areas below it (up to {SUBTREE_DEPTH} levels)",
)
SIDES = {"Unit": UNIT_SIDE, "AdminArea": COMMUNITY_SIDE}
# "The communities under an area", defined once: every area of level COMMUNITY or VILLAGE reached from
# the area by 0–4 PART_OF hops downwards (the area itself when it is a community; communities hanging
# directly under a district included). AdminArea.communities is this walk; the network questions
# render the same walk (cobuild.resolvers.areas.communities_under, through compile.walk_text /
# walk_conditions) so every count agrees.
COMMUNITIES_UNDER = Walk("PART_OF", "in", "AdminArea", 0, SUBTREE_DEPTH, levels=COMMUNITY_LEVELS)
MEMBER = "member"  # Field.via: the side member the item was reached from


@dataclass(frozen=True)
class Field:
    """A relationship or page field of ``owner``. Its nodes are reached by walking ``prefix``, then
    ``member`` (if any), then ``hops`` (the last hop ends at a label of ``others``). A plain
    relationship field is one hop.

    ``edge_hop``: the hop whose relationship properties the edges carry; ``via``: what edges list as
    ``via`` — :data:`MEMBER` (the side member: the end of prefix and member), the index of a hop whose
    end node it is, or None. ``grouped``: one item per node (side and page fields) rather than one
    per relationship."""

    owner: str
    name: str
    kind: Kind
    others: tuple[str, ...]
    zh: str
    en: str
    hops: tuple[Walk, ...]
    prefix: tuple[Walk, ...] = ()
    member: Walk | None = None
    edge_hop: int | None = None
    via: str | int | None = None
    grouped: bool = False
    entity: bool = False  # several labels of different kinds at the other end: typed Entity

    @property
    def rel(self) -> model.RelType | None:
        """The relationship whose properties the edges carry."""
        return model.rel(self.hops[self.edge_hop].rel) if self.edge_hop is not None else None

    @property
    def edge_props(self) -> tuple[model.Prop, ...]:
        rel = self.rel
        return rel.props if rel is not None else ()

    @property
    def has_via(self) -> bool:
        return self.via is not None

    @property
    def link_name(self) -> str | None:
        """``<name>Link`` for a to-one field whose relationship has properties."""
        return f"{self.name}Link" if self.kind == "one" and self.edge_props else None

    def hops_to(self, other: str) -> tuple[Walk, ...]:
        """The hops with the last one ending at ``other``."""
        return self.hops[:-1] + (replace(self.hops[-1], label=other),)

    def path(self, other: str) -> tuple[Walk, ...]:
        """The full path from the owner to ``other``."""
        return self.prefix + ((self.member,) if self.member else ()) + self.hops_to(other)


# ------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    name: str
    kind: Kind
    zh: str
    en: str
    entity: bool = False
    side: bool = False  # on AdminArea / Unit: covers the owner's side (see SIDES)


def one(name: str, zh: str, en: str, *, entity: bool = False) -> Spec:
    return Spec(name, "one", zh, en, entity)


def many(name: str, zh: str, en: str, *, entity: bool = False, side: bool = False) -> Spec:
    return Spec(name, "many", zh, en, entity, side)


def side(name: str, zh: str, en: str) -> Spec:
    """A field that covers the owner's side on AdminArea and Unit (and is a plain relationship field elsewhere)."""
    return Spec(name, "many", zh, en, side=True)


Entry = Spec | dict[str, Spec]

# Shared entries: the same names on every actor (PartyOrganization and Person hold these links
# themselves; AdminArea and Unit cover their side).
_PAIRINGS = side("pairings", "参与的结对", "Pairings it takes part in (PARTY_TO)")
_AGREEMENTS = side("agreements", "签订的共建协议", "Co-building agreements it signed (SIGNED)")
_PUBLISHED = {"Demand": side("demands", "发布的需求(需求清单)", "Demands it published (demand list)"),
              "MicroWish": side("microWishes", "发布的微心愿", "Micro-wishes it published")}
_RESOURCES = side("resources", "提供的资源(资源清单)", "Resources it offers (resource list)")
_CLAIMED = {"Project": side("claimedProjects", "认领的项目", "Projects it claimed (认领)"),
            "Demand": side("claimedDemands", "认领的需求", "Demands it claimed (认领/接单)"),
            "MicroWish": side("claimedMicroWishes", "认领的微心愿", "Micro-wishes it claimed")}
_ALLIANCES = side("alliances", "加入的党建联盟", "Party-building alliances it belongs to (BELONGS_TO)")
_OPERATED = side("operatedVenues", "运营的阵地", "Venues it operates, owns or co-built (OPERATES)")
_GAVE = side("evaluationsGiven", "作出的评议", "Evaluations it gave (GAVE)")
_RECEIVED = side("evaluationsReceived", "收到的评议(被评议)", "Evaluations of it (OF)")
_RUNS = side("programsRun", "主办的品牌、项目与机制", "Programs, brands and mechanisms it runs (RUNS)")
_STATISTICS = many("statistics", "公布数字(来源文章报告的统计)", "Figures the sources report for it (HAS_STATISTIC)")
_PARTY_ORGS = many("partyOrganizations", "所属党组织", "Its party organisations (HAS_PARTY_ORG)")
_LOCATED_IN = {"AdminArea": many("locatedInAreas", "所在行政区域", "Administrative areas it is located in"),
               "FunctionalZone": many("locatedInZones", "所在功能区", "Functional zones it is located in")}
_CATEGORIES = many("categories", "所属类别", "Its categories (IN_CATEGORY)")
_INCLUDED_IN = many("includedInPrograms", "所属品牌、项目或机制", "Programs, brands or mechanisms it is part of (PART_OF_PROGRAM)")
_SERVICE_RECORDS_FOR = many("serviceRecords", "为其提供的服务记录", "Service records of services done for it (FOR)")
_PUBLISHER = one("publisher", "发布者", "Who published it (PUBLISHES)")
_CLAIMANTS = many("claimants", "认领者", "Who claimed it (CLAIMED), with the claim's mode, role and status")

RELATIONSHIP_FIELDS: dict[tuple[str, str, Direction], Entry] = {
    # AdminArea ------------------------------------------------------------------------------------
    ("AdminArea", "PART_OF", "out"): one("parent", "上级区域", "The area this area is part of"),
    ("AdminArea", "PART_OF", "in"): many("children", "直接下级区域", "Areas directly below this one"),
    ("AdminArea", "HAS_PARTY_ORG", "out"): _PARTY_ORGS,
    ("AdminArea", "PARTY_TO", "out"): _PAIRINGS,
    ("AdminArea", "SIGNED", "out"): _AGREEMENTS,
    ("AdminArea", "PUBLISHES", "out"): _PUBLISHED,
    ("AdminArea", "OFFERS", "out"): _RESOURCES,
    ("AdminArea", "CLAIMED", "out"): _CLAIMED,
    ("AdminArea", "OPERATES", "out"): _OPERATED,
    ("AdminArea", "GAVE", "out"): _GAVE,
    ("AdminArea", "RUNS", "out"): _RUNS,
    ("AdminArea", "HAS_STATISTIC", "out"): _STATISTICS,
    ("AdminArea", "CO_BUILDS_WITH", "out"): many("coBuildingUnits", "结对共建单位(由结对派生)",
                                                 "Units this area co-builds with (derived from pairings)"),
    ("AdminArea", "OVERLAPS", "in"): many("overlappingZones", "与本区域交叉的功能区", "Functional zones overlapping this area"),
    ("AdminArea", "LOCATED_IN", "in"): {
        "Unit": many("unitsLocatedHere", "直接位于本区域的单位", "Units located directly in this area"),
        "FunctionalZone": many("zonesLocatedHere", "直接位于本区域的功能区", "Functional zones located directly in this area"),
        "Venue": many("venuesLocatedHere", "直接位于本区域的阵地", "Venues located directly in this area"),
    },
    ("AdminArea", "OF", "in"): _RECEIVED,
    ("AdminArea", "AT", "in"): many("serviceRecords", "在本区域提供的服务记录", "Service records of services that took place in this area"),
    # FunctionalZone -------------------------------------------------------------------------------
    ("FunctionalZone", "OVERLAPS", "out"): many("overlappedAreas", "交叉的行政区域", "Administrative areas this zone overlaps"),
    ("FunctionalZone", "LOCATED_IN", "out"): many("locatedInAreas", "所在行政区域", "Administrative areas the zone is located in"),
    ("FunctionalZone", "HAS_PARTY_ORG", "out"): _PARTY_ORGS,
    ("FunctionalZone", "PART_OF_PROGRAM", "out"): _INCLUDED_IN,
    ("FunctionalZone", "HAS_STATISTIC", "out"): _STATISTICS,
    ("FunctionalZone", "LOCATED_IN", "in"): {
        "Unit": many("unitsLocatedHere", "位于本功能区的单位", "Units located in this zone"),
        "Venue": many("venuesLocatedHere", "位于本功能区的阵地", "Venues located in this zone"),
    },
    # PartyOrganization ----------------------------------------------------------------------------
    ("PartyOrganization", "SUBORDINATE_TO", "out"): one("superior", "上级党组织", "The party organisation this one reports to in the hierarchy"),
    ("PartyOrganization", "SUBORDINATE_TO", "in"): many("subordinates", "下级党组织", "Party organisations directly below this one"),
    ("PartyOrganization", "COVERS", "out"): many("coveredUnits", "覆盖的单位", "Units this organisation covers (建、联、挂、靠、派)"),
    ("PartyOrganization", "REPORTS_TO", "out"): many("reportedToOrganizations", "报到的党组织(组织报到)",
                                                     "Party organisations this organisation reported to (organisation-level 双报到)"),
    ("PartyOrganization", "REPORTS_TO", "in"): {
        "Person": many("reportingMembers", "到本组织报到的党员(双报到)", "Members who reported to this organisation (双报到)"),
        "PartyOrganization": many("reportingOrganizations", "到本组织报到的党组织", "Party organisations that reported to this one"),
    },
    ("PartyOrganization", "PARTY_TO", "out"): _PAIRINGS,
    ("PartyOrganization", "SIGNED", "out"): _AGREEMENTS,
    ("PartyOrganization", "PUBLISHES", "out"): _PUBLISHED,
    ("PartyOrganization", "OFFERS", "out"): _RESOURCES,
    ("PartyOrganization", "CLAIMED", "out"): _CLAIMED,
    ("PartyOrganization", "BELONGS_TO", "out"): _ALLIANCES,
    ("PartyOrganization", "OPERATES", "out"): _OPERATED,
    ("PartyOrganization", "GAVE", "out"): _GAVE,
    ("PartyOrganization", "RUNS", "out"): _RUNS,
    ("PartyOrganization", "HAS_STATISTIC", "out"): _STATISTICS,
    ("PartyOrganization", "PAIRED_WITH", "out"): many("pairedPartnerOrganizations", "结对的单位侧党组织(由结对派生)",
                                                      "Partner-side party organisations this host-side organisation is paired with (derived)"),
    ("PartyOrganization", "PAIRED_WITH", "in"): many("pairedHostOrganizations", "结对的社区侧党组织(由结对派生)",
                                                     "Host-side party organisations this partner-side organisation is paired with (derived)"),
    ("PartyOrganization", "HAS_PARTY_ORG", "in"): one("owner", "所属区域、单位或功能区", "The area, unit or functional zone this organisation belongs to",
                                                      entity=True),
    ("PartyOrganization", "MEMBER_OF", "in"): many("members", "党员(组织关系在本组织)", "Members whose formal membership is here"),
    ("PartyOrganization", "HOLDS_POSITION", "in"): many("positionHolders", "在本组织任职的人员", "Persons holding a position in this organisation"),
    ("PartyOrganization", "OF", "in"): _RECEIVED,
    # Unit -----------------------------------------------------------------------------------------
    ("Unit", "LOCATED_IN", "out"): _LOCATED_IN,
    ("Unit", "HAS_PARTY_ORG", "out"): _PARTY_ORGS,
    ("Unit", "PARTY_TO", "out"): _PAIRINGS,
    ("Unit", "SIGNED", "out"): _AGREEMENTS,
    ("Unit", "PUBLISHES", "out"): _PUBLISHED,
    ("Unit", "OFFERS", "out"): _RESOURCES,
    ("Unit", "CLAIMED", "out"): _CLAIMED,
    ("Unit", "BELONGS_TO", "out"): _ALLIANCES,
    ("Unit", "OPERATES", "out"): _OPERATED,
    ("Unit", "GAVE", "out"): _GAVE,
    ("Unit", "RUNS", "out"): _RUNS,
    ("Unit", "COVERS", "in"): one("coveringPartyOrganization", "覆盖本单位的党组织", "The party organisation covering this unit (建、联、挂、靠、派)"),
    ("Unit", "EMPLOYED_BY", "in"): many("employees", "职工", "Persons employed here"),
    ("Unit", "HOLDS_POSITION", "in"): many("positionHolders", "在本单位任职的人员", "Persons holding a position in this unit"),
    ("Unit", "OF", "in"): _RECEIVED,
    ("Unit", "CO_BUILDS_WITH", "in"): many("coBuildingAreas", "与本单位结对共建的区域(由结对派生)",
                                           "Areas co-building with this unit (derived from pairings; any level: community, compound, street …)"),
    # Person ---------------------------------------------------------------------------------------
    ("Person", "MEMBER_OF", "out"): one("partyOrganization", "组织关系所在党组织", "The party organisation holding the person's membership"),
    ("Person", "EMPLOYED_BY", "out"): one("employer", "工作单位", "Where the person works"),
    ("Person", "HOLDS_POSITION", "out"): {
        "PartyOrganization": many("positionsInPartyOrganizations", "在党组织担任的职务", "Positions held in party organisations"),
        "Unit": many("positionsInUnits", "在单位担任的职务", "Positions held in units"),
    },
    ("Person", "REPORTS_TO", "out"): many("reportedToOrganizations", "报到的党组织(双报到)", "Party organisations the person reported to (双报到)"),
    ("Person", "PUBLISHES", "out"): _PUBLISHED,
    ("Person", "OFFERS", "out"): _RESOURCES,
    ("Person", "CLAIMED", "out"): _CLAIMED,
    ("Person", "PERFORMED", "out"): many("serviceRecords", "本人的服务记录", "Services this person performed"),
    # Pairing --------------------------------------------------------------------------------------
    ("Pairing", "PARTY_TO", "in"): many("parties", "结对各方", "The parties of the pairing (HOST: area side, PARTNER: unit side)"),
    ("Pairing", "FORMALIZES", "in"): many("agreements", "确立本结对的协议", "Agreements formalising this pairing"),
    ("Pairing", "UNDER", "in"): many("projects", "本结对下的项目", "Projects run under this pairing"),
    ("Pairing", "ABOUT", "in"): many("evaluations", "关于本结对的评议", "Evaluations of this pairing"),
    # Agreement ------------------------------------------------------------------------------------
    ("Agreement", "FORMALIZES", "out"): one("pairing", "确立的结对", "The pairing this agreement formalises"),
    ("Agreement", "UNDER", "out"): {
        "Alliance": one("alliance", "所属联盟", "The alliance the agreement is made under"),
        "Program": one("program", "所属品牌、项目或机制", "The program the agreement is made under"),
    },
    ("Agreement", "SIGNED", "in"): many("signers", "签订方", "Who signed the agreement (PARTY_A / PARTY_B)"),
    # Category -------------------------------------------------------------------------------------
    ("Category", "SUBCATEGORY_OF", "out"): one("parent", "上级类别", "The category this one is a sub-category of"),
    ("Category", "SUBCATEGORY_OF", "in"): many("children", "下级类别", "Sub-categories"),
    ("Category", "IN_CATEGORY", "in"): {
        "Demand": many("demands", "本类别的需求", "Demands in this category"),
        "Resource": many("resources", "本类别的资源", "Resources in this category"),
        "Project": many("projects", "本类别的项目", "Projects in this category"),
        "MicroWish": many("microWishes", "本类别的微心愿", "Micro-wishes in this category"),
        "Venue": many("venues", "提供本类服务的阵地", "Venues offering services of this category"),
        "ServiceRecord": many("serviceRecords", "本类别的服务记录", "Service records of this category"),
    },
    # Demand ---------------------------------------------------------------------------------------
    ("Demand", "IN_CATEGORY", "out"): _CATEGORIES,
    ("Demand", "PUBLISHES", "in"): _PUBLISHER,
    ("Demand", "CLAIMED", "in"): _CLAIMANTS,
    ("Demand", "ADDRESSES", "in"): many("addressingProjects", "回应本需求的项目", "Projects addressing this demand"),
    ("Demand", "FOR", "in"): _SERVICE_RECORDS_FOR,
    # Resource -------------------------------------------------------------------------------------
    ("Resource", "IN_CATEGORY", "out"): _CATEGORIES,
    ("Resource", "OFFERS", "in"): one("provider", "提供者", "Who offers this resource (OFFERS)"),
    ("Resource", "USES", "in"): many("usingProjects", "使用本资源的项目", "Projects using this resource"),
    # Project --------------------------------------------------------------------------------------
    ("Project", "UNDER", "out"): {
        "Pairing": one("pairing", "所属结对", "The pairing the project is run under"),
        "Program": one("program", "所属品牌、项目或机制", "The program the project is run under"),
        "Alliance": one("alliance", "所属联盟", "The alliance the project is run under"),
    },
    ("Project", "IN_CATEGORY", "out"): _CATEGORIES,
    ("Project", "ADDRESSES", "out"): many("addressedDemands", "回应的需求", "Demands this project addresses"),
    ("Project", "USES", "out"): many("usedResources", "使用的资源", "Resources this project uses"),
    ("Project", "PART_OF_PROGRAM", "out"): _INCLUDED_IN,
    ("Project", "CLAIMED", "in"): _CLAIMANTS,
    ("Project", "FOR", "in"): _SERVICE_RECORDS_FOR,
    # MicroWish ------------------------------------------------------------------------------------
    ("MicroWish", "IN_CATEGORY", "out"): _CATEGORIES,
    ("MicroWish", "PUBLISHES", "in"): _PUBLISHER,
    ("MicroWish", "CLAIMED", "in"): _CLAIMANTS,
    ("MicroWish", "FOR", "in"): _SERVICE_RECORDS_FOR,
    # Alliance -------------------------------------------------------------------------------------
    ("Alliance", "PART_OF_PROGRAM", "out"): _INCLUDED_IN,
    ("Alliance", "HAS_STATISTIC", "out"): _STATISTICS,
    ("Alliance", "UNDER", "in"): {
        "Project": many("projects", "联盟下的项目", "Projects run under this alliance"),
        "Agreement": many("agreements", "联盟下的协议(如发展协议)", "Agreements made under this alliance (e.g. development agreements)"),
    },
    ("Alliance", "BELONGS_TO", "in"): many("members", "联盟成员(单位或党组织)", "Members of the alliance (units or party organisations)"),
    # Venue ----------------------------------------------------------------------------------------
    ("Venue", "LOCATED_IN", "out"): _LOCATED_IN,
    ("Venue", "IN_CATEGORY", "out"): many("categories", "服务类别", "Categories of the services offered here"),
    ("Venue", "PART_OF_PROGRAM", "out"): _INCLUDED_IN,
    ("Venue", "OPERATES", "in"): many("operators", "运营方", "Who owns, co-built or operates the venue"),
    ("Venue", "AT", "in"): many("serviceRecords", "在本阵地提供的服务记录", "Service records of services that took place here"),
    # Evaluation -----------------------------------------------------------------------------------
    ("Evaluation", "OF", "out"): one("subject", "被评议方", "Who was evaluated"),
    ("Evaluation", "ABOUT", "out"): one("pairing", "所涉结对", "The pairing evaluated"),
    ("Evaluation", "GAVE", "in"): one("evaluator", "评议方", "Who gave the evaluation"),
    # ServiceRecord --------------------------------------------------------------------------------
    ("ServiceRecord", "IN_CATEGORY", "out"): many("categories", "服务类别", "Categories of the service"),
    ("ServiceRecord", "FOR", "out"): {
        "Project": one("project", "服务的项目", "The project the service was for"),
        "Demand": one("demand", "服务的需求", "The demand the service was for"),
        "MicroWish": one("microWish", "服务的微心愿", "The micro-wish the service was for"),
    },
    ("ServiceRecord", "AT", "out"): {
        "AdminArea": one("area", "服务地点(区域)", "The area where the service took place"),
        "Venue": one("venue", "服务地点(阵地)", "The venue where the service took place"),
    },
    ("ServiceRecord", "PERFORMED", "in"): one("performer", "服务人员", "Who performed the service"),
    # Program --------------------------------------------------------------------------------------
    ("Program", "HAS_STATISTIC", "out"): _STATISTICS,
    ("Program", "UNDER", "in"): {
        "Project": many("projects", "在本品牌或机制下开展的项目", "Projects run under this program"),
        "Agreement": many("agreements", "在本品牌或机制下签订的协议", "Agreements made under this program"),
    },
    ("Program", "RUNS", "in"): many("runners", "主办方", "Who runs the program"),
    ("Program", "PART_OF_PROGRAM", "in"): {
        "Project": many("includedProjects", "纳入的项目", "Projects that are part of this program"),
        "Alliance": many("includedAlliances", "纳入的联盟", "Alliances that are part of this program"),
        "Venue": many("includedVenues", "纳入的阵地", "Venues that are part of this program"),
        "FunctionalZone": many("includedZones", "纳入的功能区", "Functional zones that are part of this program"),
    },
    # Statistic ------------------------------------------------------------------------------------
    ("Statistic", "HAS_STATISTIC", "in"): one("subject", "所报告的对象", "What the figure is reported for", entity=True),
}


# ------------------------------------------------------------------------------------------------
# Page fields: derived, declared as paths
# ------------------------------------------------------------------------------------------------
def _page(owner: str, name: str, target: str, zh: str, en: str, side_: Side | None, hops: tuple[Walk, ...],
          *, edge_hop: int | None = None, via_hop: int | None = None) -> Field:
    """A page field: over ``side_`` (its members are ``via``), then ``hops`` to ``target``."""
    via: str | int | None = via_hop if via_hop is not None else (MEMBER if side_ else None)
    if side_:
        zh, en = f"{zh}(范围:{side_.zh})", f"{en} (over {side_.en})"
    return Field(owner, name, "many", (target,), zh, en, hops, side_.prefix if side_ else (), side_.member if side_ else None,
                 edge_hop=edge_hop, via=via, grouped=True)


PAGE_FIELDS: tuple[Field, ...] = (
    # the community page (an area's side)
    _page("AdminArea", "projects", "Project", "社区侧结对下的项目(项目清单)",
          "Projects run under the pairings of the area's side (project list)", COMMUNITY_SIDE,
          (Walk("PARTY_TO", "out", "Pairing"), Walk("UNDER", "in", "Project"))),
    _page("AdminArea", "reportingMembers", "Person", "到社区侧党组织报到的党员(双报到)",
          "Members who reported (双报到) to a party organisation of the area's side", COMMUNITY_ORGS,
          (Walk("REPORTS_TO", "in", "Person"),), edge_hop=0),
    _page("AdminArea", "partTimeCommitteeMembers", "Person", "社区侧党组织的兼职委员",
          "Part-time committee members (兼职委员) of the party organisations of the area's side", COMMUNITY_ORGS,
          (Walk("HOLDS_POSITION", "in", "Person", edge_eq=(("role", "PART_TIME_COMMITTEE_MEMBER"),)),), edge_hop=0),
    # the district dashboard
    _page("AdminArea", "communities", "AdminArea",
          f"本区域下的社区和村(向下 1–{SUBTREE_DEPTH} 级;本区域是社区时含其自身)",
          f"The communities under the area: every area of level COMMUNITY or VILLAGE 1–{SUBTREE_DEPTH} PART_OF levels "
          "below it, and the area itself when it is one", None, (COMMUNITIES_UNDER,)),
    _page("AdminArea", "unitsLocatedWithin", "Unit", "位于本区域或其下级区域的单位",
          "Units located in the area or in any area below it", SUBTREE,
          (Walk("LOCATED_IN", "in", "Unit"),), edge_hop=0),
    # the unit page
    _page("Unit", "communities", "AdminArea", "与本单位结对共建的社区(小区的结对计入其社区)",
          "Communities this unit co-builds with (a compound's pairing counts for its community); via: the co-building areas",
          None, (Walk("CO_BUILDS_WITH", "in", "AdminArea"),
                 Walk("PART_OF", "out", "AdminArea", 0, 2, levels=COMMUNITY_LEVELS)), via_hop=0),
    _page("Unit", "projects", "Project", "单位侧结对下的项目", "Projects run under the pairings of the unit's side",
          UNIT_SIDE, (Walk("PARTY_TO", "out", "Pairing"), Walk("UNDER", "in", "Project"))),
)


# ------------------------------------------------------------------------------------------------
# Building and checking the fields
# ------------------------------------------------------------------------------------------------
def _ends(rel: model.RelType, label_name: str, direction: Direction) -> tuple[str, ...]:
    if direction == "out":
        return tuple(dict.fromkeys(b for a, b in rel.endpoints if a == label_name))
    return tuple(dict.fromkeys(a for a, b in rel.endpoints if b == label_name))


def _at_most_one(rel: model.RelType, direction: Direction) -> bool:
    return rel.cardinality == "1:1" or (direction == "out" and rel.cardinality == "N:1") or (
        direction == "in" and rel.cardinality == "1:N")


def _build(label_name: str, rel: model.RelType, direction: Direction, entry: Entry, problems: list[str]) -> list[Field]:
    others = _ends(rel, label_name, direction)
    groups: list[tuple[Spec, tuple[str, ...]]]
    if isinstance(entry, Spec):
        groups = [(entry, others)]
    else:
        unknown = [o for o in entry if o not in others]
        missing = [o for o in others if o not in entry]
        if unknown or missing:
            problems.append(f"{label_name} {rel.name} {direction}: the entry names {sorted(entry)} but the model's other end is "
                            f"{list(others)}")
        groups = [(spec, (o,)) for o, spec in entry.items() if o in others]
    out: list[Field] = []
    where = f"({label_name!r}, {rel.name!r}, {direction!r})"
    for spec, ends in groups:
        if spec.kind == "one" and not _at_most_one(rel, direction):
            problems.append(f"{where}: {spec.name} is to-one but {rel.name} is {rel.cardinality}")
        if len(ends) > 1 and not spec.entity and not all(model.label(o).actor for o in ends):
            problems.append(f"{where}: {spec.name} spans {list(ends)}, which are not all actors; split it per label "
                            "or say entity=True")
        hop = (Walk(rel.name, direction, None),)
        edge = 0 if rel.props else None
        if spec.side and label_name in SIDES:
            sd = SIDES[label_name]
            out.append(Field(label_name, spec.name, "many", ends, f"{spec.zh}(范围:{sd.zh})", f"{spec.en} (over {sd.en})",
                             hop, sd.prefix, sd.member, edge_hop=edge, via=MEMBER, grouped=True))
        else:
            out.append(Field(label_name, spec.name, spec.kind, ends, spec.zh, spec.en, hop, edge_hop=edge, entity=spec.entity))
    return out


def _build_all() -> tuple[dict[str, dict[str, Field]], list[str]]:
    problems: list[str] = []
    fields: dict[str, dict[str, Field]] = {lab.name: {} for lab in model.LABELS}
    seen: set[tuple[str, str, Direction]] = set()
    for rel in model.RELATIONSHIPS:
        for direction in ("out", "in"):
            for label_name in (rel.from_labels if direction == "out" else rel.to_labels):
                key = (label_name, rel.name, direction)
                seen.add(key)
                entry = RELATIONSHIP_FIELDS.get(key)
                if entry is None:
                    problems.append(f"no field for {key}: add an entry to RELATIONSHIP_FIELDS in cobuild/graph/fields.py, "
                                    "e.g. many(\"<name>\", \"<中文>\", \"<English>\")")
                    continue
                for f in _build(label_name, rel, direction, entry, problems):
                    _add(fields[label_name], f, problems)
    for key in RELATIONSHIP_FIELDS:
        if key not in seen:
            problems.append(f"RELATIONSHIP_FIELDS has {key}, which the model does not declare")
    for f in PAGE_FIELDS:
        _add(fields[f.owner], f, problems)
        for w in f.prefix + ((f.member,) if f.member else ()) + f.hops:
            if w.var_length and w.edge_eq:
                problems.append(f"{f.owner}.{f.name}: a var-length walk cannot filter its relationships")
            if w.rel not in model.RELS_BY_NAME or (w.label is not None and w.label not in model.LABELS_BY_NAME):
                problems.append(f"{f.owner}.{f.name}: unknown relationship or label in {w}")
    return fields, problems


def _add(into: dict[str, Field], f: Field, problems: list[str]) -> None:
    lab = model.label(f.owner)
    names = [f.name] + ([f.link_name] if f.link_name else [])
    for n in names:
        if n in into or n in lab.prop_names or any(g.link_name == n for g in into.values()):
            problems.append(f"GraphQL field {f.owner}.{n} clashes with another field or property")
    into[f.name] = f


FIELDS: dict[str, dict[str, Field]] = {}


def rebuild() -> None:
    """(Re)build :data:`FIELDS` from the model and the tables; a mismatch is a ModelError that says
    what to add. Runs at import; tests that extend the model call it again."""
    built, problems = _build_all()
    if problems:
        raise ModelError("relationship fields do not match the model: " + "; ".join(problems),
                         "edit RELATIONSHIP_FIELDS / PAGE_FIELDS in cobuild/graph/fields.py")
    FIELDS.clear()
    FIELDS.update(built)


rebuild()


def fields_of(label_name: str) -> dict[str, Field]:
    """Relationship and side fields of a label in model order, then its page fields."""
    return FIELDS[label_name]


__all__ = ["COMMUNITIES_UNDER", "COMMUNITY_LEVELS", "FIELDS", "Field", "PAGE_FIELDS", "RELATIONSHIP_FIELDS", "SIDES", "Walk", "fields_of",
           "MEMBER", "Side", "many", "one", "rebuild", "side"]
