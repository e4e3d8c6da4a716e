"""The cobuild domain model, declared once.

Everything else derives from this module: LadybugDB DDL and Neo4j constraints (``migrate``), row
validation (``validate``), the seed loader, the synthetic generator, the Cypher compiler and the
GraphQL types. Adding a label is one ``NodeLabel(...)`` entry in ``LABELS`` plus, if it connects,
endpoint pairs in ``RELATIONSHIPS``.

Design notes (see ``shared/domain.md`` §0.3):

* A unit and its party organisation are separate nodes; co-building may attach to either, and the
  derived ``CO_BUILDS_WITH`` / ``PAIRED_WITH`` edges give queries one hop.
* Administrative levels are a ``level`` property rather than sub-labels, because LadybugDB allows
  one label per node table.
* Every id is chosen by cobuild and starts with its label's ``id_prefix`` (``unit:…``), so an id
  alone tells which table to look in (Relay ``node(id)``, shortest paths) on both engines.
* Reported figures are ``Statistic`` nodes with a qualifier; they are never recomputed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Literal


class PropType(str, Enum):
    """Storage types both engines can hold and round-trip through parameters."""

    STRING = "STRING"
    INT = "INT"
    FLOAT = "FLOAT"
    BOOL = "BOOL"
    DATE = "DATE"
    DATETIME = "DATETIME"
    STRING_LIST = "STRING_LIST"


@dataclass(frozen=True)
class Prop:
    """A typed property. ``enum`` restricts a STRING (or each STRING_LIST item) to listed values."""

    name: str
    type: PropType
    zh: str
    en: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    default: object = None
    indexed: bool = False  # Neo4j range index; the questions filter on it

    @property
    def is_list(self) -> bool:
        return self.type is PropType.STRING_LIST


@dataclass(frozen=True)
class NodeLabel:
    name: str
    id_prefix: str
    zh: str
    en: str
    props: tuple[Prop, ...]
    actor: bool = False  # may take part in co-building; shortest paths run over actors
    # Internal records (evaluations, service hours): rows readable only within a principal's areas.
    # Everything else is the published co-building network (lists are posted to be claimed).
    scoped: bool = False
    # Properties that are personal data: masked in the statement for principals not entitled to them.
    personal: tuple[str, ...] = ()

    def prop(self, name: str) -> Prop:
        for p in self.all_props:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no property {name!r}")

    @property
    def all_props(self) -> tuple[Prop, ...]:
        return COMMON_PROPS + self.props

    @property
    def prop_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.all_props)


Cardinality = Literal["1:1", "N:1", "1:N", "N:M"]


@dataclass(frozen=True)
class RelType:
    name: str
    zh: str
    en: str
    endpoints: tuple[tuple[str, str], ...]  # (from label, to label) pairs
    props: tuple[Prop, ...] = ()
    cardinality: Cardinality = "N:M"
    derived: bool = False  # maintained by cobuild from reified nodes; never written by clients

    @property
    def from_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a, _ in self.endpoints))

    @property
    def to_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b for _, b in self.endpoints))

    def connects(self, a: str, b: str) -> bool:
        return (a, b) in self.endpoints

    def prop(self, name: str) -> Prop:
        for p in self.props:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no property {name!r}")


S, I, F, B, D, DT, L = (
    PropType.STRING,
    PropType.INT,
    PropType.FLOAT,
    PropType.BOOL,
    PropType.DATE,
    PropType.DATETIME,
    PropType.STRING_LIST,
)

# --------------------------------------------------------------------------------------------
# Enumerations (values evidenced in domain.md §1; [A] values marked there)
# --------------------------------------------------------------------------------------------
AREA_LEVELS = ("CITY", "DISTRICT", "STREET", "TOWN", "COMMUNITY", "VILLAGE", "COMPOUND", "RESIDENT_GROUP", "GRID")
COMMUNITY_TYPES = ("URBAN", "AGRI_RELATED", "VILLAGE")
DEMO_STATUS = ("NONE", "DISTRICT_DEMO", "CITY_DEMO", "NATIONAL")
ZONE_KINDS = (
    "INDUSTRIAL_PARK", "BUILDING", "BUSINESS_DISTRICT", "COMMERCIAL_CENTER", "MARKET", "BLOCK",
    "DEMO_AREA", "INCUBATOR_SITE",
)
ORG_TYPES = (
    "COMMITTEE", "WORKING_COMMITTEE", "COMPREHENSIVE_COMMITTEE", "INDUSTRY_COMMITTEE", "TWO_NEW_COMMITTEE",
    "BLOCK_COMMITTEE", "GENERAL_BRANCH", "BRANCH", "JOINT_BRANCH", "FLOATING_MEMBER_BRANCH", "GRID_ORG", "GROUP",
)
FORMATION_MODES = ("BUILD", "JOINT", "ATTACH", "AFFILIATE", "DISPATCH")
CULTIVATION_STAGES = ("NURSERY", "INCUBATOR", "ACCELERATOR", "STAR")
UNIT_TYPES = (
    "GOV_AGENCY", "PUBLIC_INSTITUTION", "SOE", "NON_PUBLIC_ENTERPRISE", "SOCIAL_ORG", "PROPERTY_MGMT",
    "OWNERS_COMMITTEE", "RESIDENTS_COMMITTEE", "MERCHANT", "INDUSTRY_ASSOCIATION", "INCUBATOR",
    "FINANCIAL_INSTITUTION", "MASS_ORG", "THINK_TANK", "TRAINING_OR_STARTUP_ORG", "SELF_ORGANIZATION",
)
# 机关事业单位 vs “两新”组织, the two groups every roll-up reports (双流: 180 / 355).
AGENCY_INSTITUTION_TYPES = ("GOV_AGENCY", "PUBLIC_INSTITUTION")
TWO_NEW_TYPES = (
    "NON_PUBLIC_ENTERPRISE", "SOCIAL_ORG", "PROPERTY_MGMT", "MERCHANT", "INDUSTRY_ASSOCIATION", "INCUBATOR",
    "TRAINING_OR_STARTUP_ORG", "FINANCIAL_INSTITUTION",
)
OWNERSHIP = ("STATE", "PUBLIC_INSTITUTION", "PRIVATE", "MIXED", "NGO")
GROWTH_TIERS = ("SEED_EAGLET", "GAZELLE", "UNICORN", "PLATFORM_LEADER")
COVERAGE_STATUS = ("NONE", "COVERED_BY_JOINT", "INDEPENDENT")
PERSON_ROLES = (
    "PARTY_MEMBER", "ACTIVIST", "VOLUNTEER", "COMMUNITY_WORKER", "GRID_WORKER", "SOCIAL_WORKER",
    "HOUSEHOLD_LIAISON", "OBSERVER", "RESERVE_CADRE",
)
MEMBER_CATEGORIES = ("IN_SERVICE", "FLOATING", "RETIRED", "RESIDENT")
MEMBERSHIP_STATUS = ("ACTIVIST", "PROBATIONARY", "FULL")
POSITION_ROLES = (
    "SECRETARY", "DEPUTY_SECRETARY", "COMMITTEE_MEMBER", "PART_TIME_COMMITTEE_MEMBER", "FIRST_SECRETARY",
    "PARTY_BUILDING_INSTRUCTOR", "PARTY_AFFAIRS_WORKER", "INVESTOR", "GRID_HEAD", "DIRECTOR", "LEAD_GOOSE",
)
PAIRING_TYPES = ("CO_BUILDING", "ASSISTANCE", "MENTORING", "LIAISON")
PAIRING_STATUS = ("PROPOSED", "ACTIVE", "UNDER_RECTIFICATION", "TERMINATED", "EXPIRED")
PAIRING_LEVELS = ("STREET", "COMMUNITY", "COMPOUND")
FORMS = ("ORG_JOINT_BUILDING", "ACTIVITY_JOINT", "RESOURCE_SHARING", "MEMBER_JOINT_MGMT", "SERVICE_JOINT")
AGREEMENT_TYPES = ("CO_RESIDENCE_CO_BUILDING", "JOINT_BUILDING", "PAIRING_RESPONSIBILITY", "DEVELOPMENT")
AGREEMENT_STATUS = ("DRAFT", "SIGNED", "IN_FORCE", "EXPIRED", "TERMINATED", "RENEWED")
DEMAND_STATUS = ("DRAFT", "PUBLISHED", "CLAIMED", "IN_PROGRESS", "COMPLETED", "EVALUATED", "CANCELLED", "EXPIRED", "ESCALATED")
MICROWISH_STATUS = ("COLLECTED", "PUBLICIZED", "CLAIMED", "FULFILLED", "WITHDRAWN")
PROJECT_STATUS = ("PROPOSED", "LISTED", "CLAIMED", "IN_PROGRESS", "COMPLETED", "EVALUATED", "ARCHIVED", "CANCELLED", "SUSPENDED")
PROJECT_DIRECTIONS = ("ENTERPRISE_SERVICE", "PUBLIC_AREA", "COMMUNITY")
CLAIM_MODES = ("ONLINE_ORDER", "DISPATCH", "DESIGNATED", "TASKFORCE", "DUAL_LEAD", "CLAIM")
CLAIM_ROLES = ("LEAD", "SUPPORT")
CLAIM_STATUS = ("ACTIVE", "RELEASED", "COMPLETED")
ALLIANCE_TYPES = ("MERCHANT", "INDUSTRY_CHAIN", "ENTERPRISE_SERVICE", "VOLUNTEER_SERVICE", "AREA_JOINT_BODY")
VENUE_TYPES = (
    "PARTY_MASS_COMPLEX", "PARTY_MASS_CENTER", "PARTY_MASS_STATION", "PARTY_WORK_POST", "ENTERPRISE_SERVICE_CENTER",
    "NEW_WORKER_STATION", "SHARED_SPACE", "SERVICE_CENTER", "VOLUNTEER_HUB", "REDEMPTION_POINT", "CULTURE_SPACE",
    "SPECIAL_CENTER", "STUDIO",
)
EVALUATION_TYPES = ("TWO_WAY_CO_BUILDING", "SECRETARY_REPORT", "SATISFACTION", "DUAL_ASSESSMENT_FLOATING", "CASE_SATISFACTION")
DIRECTIONS = ("AREA_TO_UNIT", "UNIT_TO_AREA")
EVALUATION_OUTCOMES = ("OK", "CIRCULATED_CRITICISM", "RECTIFY_BY_DEADLINE")
PROGRAM_KINDS = (
    "PARTY_BUILDING_BRAND", "SERVICE_BRAND", "VOLUNTEER_BRAND", "MECHANISM", "CAMPAIGN", "FINANCIAL_PRODUCT",
    "PLATFORM", "POINTS_SCHEME", "POLICY",
)
QUALIFIERS = ("EXACT", "AT_LEAST", "APPROX", "PERCENT", "RANGE")
REPORT_TYPES = ("IN_SERVICE", "FLOATING_INFLOW", "ORGANIZATION")
REPORT_STATUS = ("REPORTED", "ACTIVE", "WITHDRAWN", "REGISTERED", "VERIFIED")
PARTY_SIDES = ("HOST", "PARTNER")
SIGNER_ROLES = ("PARTY_A", "PARTY_B")
ALLIANCE_ROLES = ("LEAD", "MEMBER")
OPERATOR_ROLES = ("OWNER", "CO_BUILDER", "OPERATOR")
SUBORDINATION_KINDS = ("LEADERSHIP", "ATTACHED")
CONFIDENCE = ("STATED", "INFERRED")

# --------------------------------------------------------------------------------------------
# Properties every node carries
# --------------------------------------------------------------------------------------------
COMMON_PROPS: tuple[Prop, ...] = (
    Prop("id", S, "稳定标识(由 cobuild 生成,带标签前缀)", "Stable id chosen by cobuild, prefixed by its label", required=True),
    Prop("name", S, "名称", "Name", indexed=True),
    Prop("aliases", L, "别名", "Other names the sources use"),
    Prop("sourceRefs", L, "来源文章(F000–F004)或数据来源", "Source articles (F000–F004) or data source"),
    Prop("synthetic", B, "是否为合成数据(来源未载明)", "True when the record is synthetic (not stated in the sources)", default=False),
    Prop("externalId", S, "合作方外部编号", "The integration partner's external id", indexed=True),
    Prop("regionId", S, "所属区(县)级区域", "Owning district-level area (row-level scope)", indexed=True),
    Prop("areaPath", L, "所属区域链:本级区域及其全部上级(权限范围键)",
         "Home area and all areas above it: the key that authorization scopes match against"),
    Prop("validFrom", D, "生效日期", "Valid from"),
    Prop("validTo", D, "失效日期", "Valid to"),
    Prop("createdAt", DT, "创建时间(UTC)", "Created at (UTC)", required=True),
    Prop("updatedAt", DT, "更新时间(UTC)", "Updated at (UTC)", required=True, indexed=True),
)

# --------------------------------------------------------------------------------------------
# Node labels
# --------------------------------------------------------------------------------------------
LABELS: tuple[NodeLabel, ...] = (
    NodeLabel("AdminArea", "area", "行政区域(市、区、街道、镇、社区、小区、网格)", "Administrative area (city … grid); a strict tree", (
        Prop("level", S, "层级", "Level in the administrative tree", required=True, enum=AREA_LEVELS, indexed=True),
        Prop("kind", S, "类别(区/县/开发区/新区/高新区;小区/院落/农集区)", "Kind (district kind, compound kind)"),
        Prop("code", S, "行政区划代码", "Statutory division code"),
        Prop("communityType", S, "社区类型", "Community type", enum=COMMUNITY_TYPES, indexed=True),
        Prop("demoStatus", S, "示范等级", "Demonstration status", enum=DEMO_STATUS),
        Prop("areaKm2", F, "面积(平方公里)", "Area in km²"),
        Prop("populationRegistered", I, "户籍人口", "Registered population"),
        Prop("populationResident", I, "常住人口", "Resident population"),
        Prop("staffCount", I, "社区工作者人数", "Community workers"),
    ), actor=True),
    NodeLabel("FunctionalZone", "zone", "功能区(园区、楼宇、商圈、街区)", "Functional zone (park, building, business district, block)", (
        Prop("kind", S, "类别", "Kind of zone", required=True, enum=ZONE_KINDS, indexed=True),
        Prop("tier", S, "等级(如标志性重点楼宇)", "Tier, e.g. landmark building"),
        Prop("serviceCircleMin", I, "服务圈(分钟)", "Service circle in minutes"),
    )),
    NodeLabel("PartyOrganization", "org", "党组织", "Party organisation", (
        Prop("orgType", S, "党组织类型", "Type of party organisation", required=True, enum=ORG_TYPES, indexed=True),
        Prop("subType", S, "细分类型(如小区党支部)", "Sub-type, e.g. compound branch"),
        Prop("formationMode", S, "组建方式(建、联、挂、靠、派)", "Formation mode", enum=FORMATION_MODES),
        Prop("cultivationStage", S, "培育梯度", "Cultivation stage", enum=CULTIVATION_STAGES),
        Prop("independent", B, "是否单独组建", "Set up on its own (not via a joint org)"),
        Prop("fullTimeStaff", I, "专职人员数", "Full-time staff"),
    ), actor=True),
    NodeLabel("Unit", "unit", "驻区单位及其他组织", "Resident unit or other organisation", (
        Prop("unitType", S, "单位类型", "Unit type", required=True, enum=UNIT_TYPES, indexed=True),
        Prop("ownership", S, "所有制", "Ownership", enum=OWNERSHIP),
        Prop("sector", S, "行业(医疗、教育、酒店…)", "Sector (health, education, hotel …)", indexed=True),
        Prop("isResidentUnit", B, "是否驻区单位", "Resident in the area (驻区)", default=True),
        Prop("scaleTags", L, "规模标签(规上、专精特新…)", "Scale tags"),
        Prop("growthTier", S, "成长梯度", "Growth tier", enum=GROWTH_TIERS),
        Prop("partyCoverageStatus", S, "党组织覆盖状态", "Party-organisation coverage", enum=COVERAGE_STATUS),
        Prop("creditCode", S, "统一社会信用代码", "Unified social credit code"),
    ), actor=True),
    NodeLabel("Person", "person", "人员(种子数据中均为合成)", "Person (all synthetic in the seed data)", (
        Prop("roles", L, "身份(党员、志愿者、网格员…)", "Roles held as a person", enum=PERSON_ROLES),
        Prop("memberCategory", S, "党员类别", "Party-member category", enum=MEMBER_CATEGORIES, indexed=True),
        Prop("membershipStatus", S, "党员身份状态", "Membership status", enum=MEMBERSHIP_STATUS),
        Prop("occupation", S, "职业", "Occupation"),
        Prop("skills", L, "专长", "Skills"),
        Prop("phone", S, "联系电话(个人数据)", "Phone (personal data)"),
    ), actor=True, personal=("name", "aliases", "phone")),
    NodeLabel("Pairing", "pairing", "结对(共建关系)", "Pairing: the co-building relationship itself", (
        Prop("pairingType", S, "结对类型", "Pairing type", required=True, enum=PAIRING_TYPES, indexed=True),
        Prop("status", S, "状态", "Status", required=True, enum=PAIRING_STATUS, default="ACTIVE", indexed=True),
        Prop("level", S, "层级", "Level of the host side", enum=PAIRING_LEVELS),
        Prop("forms", L, "共建形式", "Forms of co-building", enum=FORMS),
        Prop("since", D, "结对日期", "Paired since", indexed=True),
        Prop("terminatedAt", D, "终止日期", "Terminated on"),
    )),
    NodeLabel("Agreement", "agreement", "共建协议", "Co-building agreement", (
        Prop("agreementType", S, "协议类型", "Agreement type", required=True, enum=AGREEMENT_TYPES),
        Prop("status", S, "状态", "Status", required=True, enum=AGREEMENT_STATUS, default="IN_FORCE", indexed=True),
        Prop("scope", L, "协议范围", "Scope", enum=FORMS),
        Prop("responsibilities", L, "责任清单", "Responsibilities"),
        Prop("signedAt", D, "签订日期", "Signed on", indexed=True),
        Prop("effectiveTo", D, "到期日期", "Effective to"),
    )),
    NodeLabel("Category", "cat", "类别(需求、资源、服务分类)", "Category shared by demands, resources and services", (
        Prop("code", S, "代码", "Code"),
    )),
    NodeLabel("Demand", "demand", "需求(需求清单项)", "Demand (an item of a demand list)", (
        Prop("status", S, "状态", "Status", required=True, enum=DEMAND_STATUS, default="PUBLISHED", indexed=True),
        Prop("description", S, "说明", "Description"),
        Prop("publishedAt", D, "发布日期", "Published on", indexed=True),
        Prop("deadline", D, "截止日期", "Deadline"),
    )),
    NodeLabel("Resource", "resource", "资源(资源清单项)", "Resource (an item of a resource list)", (
        Prop("description", S, "说明", "Description"),
        Prop("capacity", S, "可提供量", "Capacity"),
        Prop("schedule", S, "时段", "Schedule"),
    )),
    NodeLabel("Project", "project", "项目(项目清单项)", "Project (an item of a project list)", (
        Prop("status", S, "状态", "Status", required=True, enum=PROJECT_STATUS, default="LISTED", indexed=True),
        Prop("direction", S, "领办方向", "Direction (two-way leadership)", enum=PROJECT_DIRECTIONS),
        Prop("description", S, "说明", "Description"),
        Prop("year", I, "年度", "Year", indexed=True),
        Prop("startedAt", D, "开始日期", "Started on"),
        Prop("completedAt", D, "完成日期", "Completed on"),
    )),
    NodeLabel("MicroWish", "wish", "微心愿", "Micro-wish", (
        Prop("status", S, "状态", "Status", required=True, enum=MICROWISH_STATUS, default="PUBLICIZED", indexed=True),
        Prop("publishedAt", D, "公示日期", "Publicised on"),
    )),
    NodeLabel("Alliance", "alliance", "党建联盟", "Party-building alliance", (
        Prop("allianceType", S, "联盟类型", "Alliance type", required=True, enum=ALLIANCE_TYPES),
    ), actor=True),
    NodeLabel("Venue", "venue", "阵地(党群服务中心、驿站…)", "Venue (party-mass service centre, station …)", (
        Prop("venueType", S, "阵地类型", "Venue type", required=True, enum=VENUE_TYPES, indexed=True),
        Prop("areaSqm", F, "面积(平方米)", "Floor area in m²"),
        Prop("services", L, "服务项目", "Services offered"),
        Prop("openingMode", S, "开放方式(如错时共享)", "Opening mode"),
    )),
    NodeLabel("Evaluation", "eval", "评议(双向评议等)", "Evaluation (two-way evaluation and others)", (
        Prop("evaluationType", S, "评议类型", "Evaluation type", required=True, enum=EVALUATION_TYPES, default="TWO_WAY_CO_BUILDING"),
        Prop("direction", S, "方向", "Direction", enum=DIRECTIONS, indexed=True),
        Prop("year", I, "年度", "Year", required=True, indexed=True),
        Prop("score", F, "得分(0–100)", "Score (0–100)"),
        Prop("satisfactionRate", F, "居民满意度(%)", "Resident satisfaction (%)"),
        Prop("outcome", S, "结果", "Outcome", enum=EVALUATION_OUTCOMES),
        Prop("published", B, "是否公开", "Published"),
    ), scoped=True),
    NodeLabel("ServiceRecord", "service", "服务记录", "Service record", (
        Prop("date", D, "服务日期", "Date of service", required=True, indexed=True),
        Prop("hours", F, "服务时长(小时)", "Hours", required=True),
        Prop("points", I, "积分", "Points awarded"),
        Prop("description", S, "说明", "Description"),
    ), scoped=True),
    NodeLabel("Program", "program", "品牌、项目与机制", "Program, brand or mechanism", (
        Prop("kind", S, "类别", "Kind", enum=PROGRAM_KINDS, indexed=True),
        Prop("slogan", S, "口号", "Slogan"),
        Prop("period", S, "期间", "Period, e.g. 2019—2021"),
        Prop("description", S, "说明", "Description"),
    )),
    NodeLabel("Statistic", "stat", "公布数字(来源文章报告的统计)", "Reported figure from a source article (never recomputed)", (
        Prop("metric", S, "指标", "Metric key", required=True, indexed=True),
        Prop("value", F, "数值", "Value", required=True),
        Prop("valueMax", F, "区间上限(如5—7项)", "Upper bound for a range"),
        Prop("unit", S, "单位", "Unit of the value"),
        Prop("qualifier", S, "限定(=、余/多、近/约、%)", "Qualifier: exact, at least (余/多), approx (近/约), percent", required=True, enum=QUALIFIERS),
        Prop("asOf", S, "截至(日期或期间)", "As of (date or period)", required=True),
        Prop("quote", S, "原文", "Verbatim quote"),
    )),
)

# --------------------------------------------------------------------------------------------
# Relationship types (domain.md §2)
# --------------------------------------------------------------------------------------------
_AREA_ORG_UNIT = ("AdminArea", "PartyOrganization", "Unit")


def _pairs(froms: Iterable[str], tos: Iterable[str]) -> tuple[tuple[str, str], ...]:
    tos = tuple(tos)
    return tuple((a, b) for a in froms for b in tos)


RELATIONSHIPS: tuple[RelType, ...] = (
    RelType("PART_OF", "隶属(下级区域→上级区域)", "Child area is part of its parent", (("AdminArea", "AdminArea"),),
            (Prop("confidence", S, "可信度", "STATED or INFERRED parent", enum=CONFIDENCE),
             # each placement traceable to its source sentence (seed audit, docs/analysts.md)
             Prop("sourceRefs", L, "依据的来源文章", "Source articles the placement rests on"),
             Prop("quote", S, "依据原文", "Verbatim sentence of the source the placement rests on"),
             Prop("basis", S, "依据说明(如何由原文得出;推断时说明理由)", "How the quote supports the placement; for INFERRED, why")), "N:1"),
    RelType("OVERLAPS", "功能区与行政区交叉", "Functional zone overlaps an area", (("FunctionalZone", "AdminArea"),),
            (Prop("share", F, "重叠比例", "Share of the zone (0–1)"),)),
    RelType("LOCATED_IN", "位于", "Located in", (
        ("Unit", "AdminArea"), ("Unit", "FunctionalZone"), ("FunctionalZone", "AdminArea"),
        ("Venue", "AdminArea"), ("Venue", "FunctionalZone")),
        (Prop("primary", B, "是否主要所在地", "Primary location"),
         Prop("confidence", S, "可信度", "STATED or INFERRED", enum=CONFIDENCE)), "N:M"),
    RelType("HAS_PARTY_ORG", "拥有党组织", "Owner of a party organisation", _pairs(("AdminArea", "Unit", "FunctionalZone"), ("PartyOrganization",)),
            (Prop("since", D, "起始", "Since"),), "1:N"),
    RelType("SUBORDINATE_TO", "隶属党组织", "Subordinate to a superior party organisation", (("PartyOrganization", "PartyOrganization"),),
            (Prop("kind", S, "隶属/挂靠", "LEADERSHIP or ATTACHED", enum=SUBORDINATION_KINDS),), "N:1"),
    RelType("COVERS", "党组织覆盖单位", "Party organisation covers a unit", (("PartyOrganization", "Unit"),),
            (Prop("mode", S, "覆盖方式", "Mode (建联挂靠派)", enum=FORMATION_MODES), Prop("since", D, "起始", "Since")), "1:N"),
    RelType("MEMBER_OF", "组织关系所在", "Formal party membership", (("Person", "PartyOrganization"),),
            (Prop("since", D, "起始", "Since"), Prop("status", S, "状态", "Membership status", enum=MEMBERSHIP_STATUS)), "N:1"),
    RelType("EMPLOYED_BY", "工作单位", "Employed by", (("Person", "Unit"),),
            (Prop("since", D, "起始", "Since"), Prop("title", S, "职务", "Job title")), "N:1"),
    RelType("HOLDS_POSITION", "担任职务", "Holds a position", (("Person", "PartyOrganization"), ("Person", "Unit")),
            (Prop("role", S, "职务", "Role", required=True, enum=POSITION_ROLES),
             Prop("concurrent", B, "是否兼任", "Held concurrently (兼任)"),
             Prop("representsUnitId", S, "所代表单位(兼职委员)", "Unit represented (part-time committee member)"),
             Prop("since", D, "起始", "Since"), Prop("until", D, "截止", "Until"))),
    RelType("REPORTS_TO", "双报到", "Reports to a community (双报到)", (("Person", "PartyOrganization"), ("PartyOrganization", "PartyOrganization")),
            (Prop("reportType", S, "报到类型", "Report type", enum=REPORT_TYPES),
             Prop("reportedAt", D, "报到日期", "Reported on"),
             Prop("channel", S, "渠道(线上、扫码)", "Channel"),
             Prop("status", S, "状态", "Status", enum=REPORT_STATUS))),
    RelType("PARTY_TO", "结对一方", "Party to a pairing", _pairs(_AREA_ORG_UNIT, ("Pairing",)),
            (Prop("side", S, "一方(社区侧/单位侧)", "HOST (area side) or PARTNER (unit side)", required=True, enum=PARTY_SIDES),
             Prop("joinedAt", D, "加入日期", "Joined on"))),
    RelType("SIGNED", "签订", "Signed an agreement", _pairs(_AREA_ORG_UNIT, ("Agreement",)),
            (Prop("role", S, "甲方/乙方", "PARTY_A or PARTY_B", enum=SIGNER_ROLES), Prop("signedAt", D, "签订日期", "Signed on"))),
    RelType("FORMALIZES", "协议确立结对", "Agreement formalises a pairing", (("Agreement", "Pairing"),), (), "N:1"),
    RelType("UNDER", "归属(结对、品牌或联盟之下)", "Under a pairing, program or alliance",
            (("Project", "Pairing"), ("Project", "Program"), ("Project", "Alliance"), ("Agreement", "Alliance"), ("Agreement", "Program")), (), "N:1"),
    RelType("PUBLISHES", "发布", "Publishes a demand or micro-wish", _pairs(_AREA_ORG_UNIT + ("Person",), ("Demand", "MicroWish")),
            (Prop("publishedAt", D, "发布日期", "Published on"),), "1:N"),
    RelType("OFFERS", "提供资源", "Offers a resource", _pairs(_AREA_ORG_UNIT + ("Person",), ("Resource",)),
            (Prop("since", D, "起始", "Since"),), "1:N"),
    RelType("IN_CATEGORY", "属于类别", "In a category", _pairs(("Demand", "Resource", "Project", "MicroWish", "Venue", "ServiceRecord"), ("Category",))),
    RelType("SUBCATEGORY_OF", "下级类别", "Sub-category of", (("Category", "Category"),), (), "N:1"),
    RelType("CLAIMED", "认领", "Claimed (认领 / 接单)", _pairs(_AREA_ORG_UNIT + ("Person",), ("Project", "Demand", "MicroWish")),
            (Prop("claimedAt", D, "认领日期", "Claimed on"),
             Prop("mode", S, "方式", "Mode", enum=CLAIM_MODES),
             Prop("role", S, "牵头/协助", "LEAD or SUPPORT", enum=CLAIM_ROLES),
             Prop("status", S, "状态", "Status", enum=CLAIM_STATUS),
             Prop("completedAt", D, "完成日期", "Completed on"))),
    RelType("ADDRESSES", "回应需求", "Project addresses a demand", (("Project", "Demand"),)),
    RelType("USES", "使用资源", "Project uses a resource", (("Project", "Resource"),)),
    RelType("BELONGS_TO", "加入联盟", "Belongs to an alliance", _pairs(("Unit", "PartyOrganization"), ("Alliance",)),
            (Prop("role", S, "角色", "LEAD or MEMBER", enum=ALLIANCE_ROLES), Prop("joinedAt", D, "加入日期", "Joined on"))),
    RelType("OPERATES", "运营阵地", "Operates a venue", _pairs(_AREA_ORG_UNIT, ("Venue",)),
            (Prop("role", S, "角色", "OWNER, CO_BUILDER or OPERATOR", enum=OPERATOR_ROLES),)),
    RelType("GAVE", "作出评议", "Gave an evaluation", _pairs(_AREA_ORG_UNIT, ("Evaluation",)), (), "1:N"),
    RelType("OF", "被评议对象", "Evaluation is of", _pairs(("Evaluation",), _AREA_ORG_UNIT), (), "N:1"),
    RelType("ABOUT", "评议所涉结对", "Evaluation is about a pairing", (("Evaluation", "Pairing"),), (), "N:1"),
    RelType("PERFORMED", "提供服务", "Performed a service", (("Person", "ServiceRecord"),), (), "1:N"),
    RelType("FOR", "服务对象", "Service was for", _pairs(("ServiceRecord",), ("Project", "Demand", "MicroWish")), (), "N:1"),
    RelType("AT", "服务地点", "Service took place at", _pairs(("ServiceRecord",), ("AdminArea", "Venue")), (), "N:1"),
    RelType("RUNS", "主办品牌或机制", "Runs a program", _pairs(_AREA_ORG_UNIT, ("Program",)), (Prop("since", D, "起始", "Since"),)),
    RelType("PART_OF_PROGRAM", "属于品牌或项目", "Part of a program", _pairs(("Project", "Alliance", "Venue", "FunctionalZone"), ("Program",))),
    RelType("HAS_STATISTIC", "公布数字", "Has a reported figure", _pairs(("AdminArea", "FunctionalZone", "Program", "Alliance", "PartyOrganization"), ("Statistic",)), (), "1:N"),
    RelType("CO_BUILDS_WITH", "结对共建(派生)", "Co-builds with (derived from pairings)", (("AdminArea", "Unit"),),
            (Prop("pairingId", S, "结对编号", "Pairing id", required=True),
             Prop("since", D, "起始", "Since"),
             Prop("status", S, "状态", "Status", enum=PAIRING_STATUS),
             Prop("forms", L, "共建形式", "Forms", enum=FORMS),
             Prop("viaPartyOrg", B, "是否经由党组织结对", "Paired through party organisations")), derived=True),
    RelType("PAIRED_WITH", "党组织结对(派生)", "Party organisations paired (derived)", (("PartyOrganization", "PartyOrganization"),),
            (Prop("pairingId", S, "结对编号", "Pairing id", required=True),
             Prop("since", D, "起始", "Since"),
             Prop("status", S, "状态", "Status", enum=PAIRING_STATUS)), derived=True),
)

LABELS_BY_NAME: dict[str, NodeLabel] = {lab.name: lab for lab in LABELS}
RELS_BY_NAME: dict[str, RelType] = {rel.name: rel for rel in RELATIONSHIPS}
LABELS_BY_PREFIX: dict[str, NodeLabel] = {lab.id_prefix: lab for lab in LABELS}
ACTOR_LABELS: tuple[str, ...] = tuple(lab.name for lab in LABELS if lab.actor)

# --------------------------------------------------------------------------------------------
# Internal records: what cobuild keeps for itself next to the network (issue 12). They are not
# entity types: no GraphQL type or list, no seed rows, no stats, no export, no explorer — code that
# walks ``LABELS`` never sees them. Migrations create their tables/constraints (graph/migrate.py).
# --------------------------------------------------------------------------------------------
CHANGE_KINDS = ("CREATED", "UPDATED", "DELETED", "RELOADED")


@dataclass(frozen=True)
class InternalLabel:
    """A node label cobuild keeps for its own bookkeeping, keyed by ``key`` (unique on both stores)."""

    name: str
    key: str
    zh: str
    en: str
    props: tuple[Prop, ...]
    indexed: tuple[str, ...] = ()  # Neo4j range indexes besides the key

    def prop(self, name: str) -> Prop:
        for p in self.props:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no property {name!r}")

    @property
    def prop_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.props)


CHANGE_EVENT = InternalLabel("ChangeEvent", "seq", "变更记录(变更流)", "A committed change (the change feed)", (
    Prop("seq", I, "序号(提交顺序,单调递增)", "Sequence number in commit order (the cursor)", required=True),
    Prop("kind", S, "变更类型", "CREATED, UPDATED, DELETED, or RELOADED (a bulk load: resynchronise)", required=True,
         enum=CHANGE_KINDS),
    Prop("entityLabel", S, "实体类型", "Label of the changed record"),
    Prop("entityId", S, "实体编号", "Id of the changed record"),
    Prop("areaPath", L, "实体所属区域链(权限范围)", "The record's areaPath when it changed (read scope)"),
    Prop("changedAt", DT, "变更时间(UTC)", "When the change was made (UTC)", required=True),
    Prop("operation", S, "操作(变更或导入名称)", "The mutation or operation that made it (createPairing, upsertUnits, import …)"),
    Prop("fields", L, "变更的属性名(不含值)", "Names of the properties that changed (never their values)"),
    Prop("relationships", L, "变更的关系类型", "Relationship types added or removed with it"),
), indexed=("changedAt",))
CHANGE_SEQUENCE = InternalLabel("ChangeSequence", "id", "变更序号计数器", "The change feed's sequence counter (one node)", (
    Prop("id", S, "编号", "Always 'feed'", required=True),
    Prop("last", I, "最后分配的序号", "Last sequence number handed out"),
    Prop("prunedThrough", I, "已清理至(含)", "Events up to this sequence number were pruned (retention)"),
    Prop("epoch", S, "存储纪元(随机)", "Random id of this store's feed: a cursor from another store is refused"),
))
IDEMPOTENCY_KEY = InternalLabel("IdempotencyKey", "id", "幂等键", "An idempotency key and the first answer given for it", (
    Prop("id", S, "编号(调用方与键的摘要)", "sha256 of principal and key", required=True),
    Prop("operation", S, "操作", "The mutation the key was first used for"),
    Prop("requestHash", S, "请求摘要", "sha256 of the mutation's input"),
    Prop("response", S, "首次应答(JSON)", "The first answer (JSON), replayed for retries"),
    Prop("createdAt", DT, "首次使用时间", "First used at (UTC)"),
    Prop("expiresAt", DT, "过期时间", "Expires at (UTC)"),
), indexed=("expiresAt",))
IMPORT_CHECKPOINT = InternalLabel("ImportCheckpoint", "id", "导入检查点", "Progress of one `cobuild import` job", (
    Prop("id", S, "编号(源文件摘要)", "sha256 of the source files (names and contents)", required=True),
    Prop("source", S, "源目录", "Source folder as given"),
    Prop("filesDone", L, "已完成的文件", "Files imported completely"),
    Prop("file", S, "当前文件", "File in progress"),
    Prop("rowsDone", I, "当前文件已导入行数", "Rows of the file in progress committed so far"),
    Prop("done", B, "是否完成", "The whole job committed"),
    Prop("updatedAt", DT, "更新时间", "Last batch committed at (UTC)"),
))
COMMUNITY_TALLY = InternalLabel("CommunityTally", "community", "社区汇总(随写入维护)",
                                "What one community adds to the area roll-ups, kept up to date on write (cobuild.graph.tallies)", (
    Prop("community", S, "社区编号", "The community (an AdminArea of level COMMUNITY or VILLAGE)", required=True),
    Prop("parentId", S, "所在行(上级区域)", "The community's row: its parent area (street, town, or the district itself)"),
    Prop("ancestors", L, "上级区域(0–4 级)", "The community and every area 1–4 PART_OF hops above it: the areas it counts under"),
    Prop("dependsOn", L, "依赖的记录", "Every record this tally was computed from: a write to one of them recomputes it"),
    Prop("units", L, "共建单位(在结)", "Units with an ACTIVE co-building with the community or its compounds and grids"),
    Prop("unitTypes", L, "共建单位类型", "unitType of each of units, in the same order"),
    Prop("pairings", L, "在结结对", "pairingId of those ACTIVE co-buildings"),
    Prop("agreements", L, "协议", "Agreements signed by the community's areas or their party organisations, or formalising one of its pairings"),
    Prop("agreementTypes", L, "协议类型", "agreementType of each of agreements, in the same order"),
    Prop("partTime", L, "兼职委员", "Persons holding a part-time committee seat in a party organisation of the community's areas"),
    Prop("demands", L, "需求", "Demands published by the community's areas"),
    Prop("projects", L, "项目", "Projects under a pairing of the community's areas (any status)"),
    Prop("updatedAt", DT, "计算时间", "When it was last computed (UTC)"),
))
INTERNAL_LABELS: tuple[InternalLabel, ...] = (CHANGE_EVENT, CHANGE_SEQUENCE, IDEMPOTENCY_KEY, IMPORT_CHECKPOINT,
                                              COMMUNITY_TALLY)

# Bump when a migration step is added (see graph/migrate.py).
SCHEMA_VERSION = 3


def label(name: str) -> NodeLabel:
    try:
        return LABELS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown label {name!r}; known: {', '.join(LABELS_BY_NAME)}") from None


def rel(name: str) -> RelType:
    try:
        return RELS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown relationship type {name!r}; known: {', '.join(RELS_BY_NAME)}") from None


def label_of_id(node_id: str) -> NodeLabel | None:
    """The label an id belongs to, read from its prefix (``unit:…`` → Unit)."""
    prefix, sep, rest = node_id.partition(":")
    if not sep or not rest:
        return None
    return LABELS_BY_PREFIX.get(prefix)


def make_id(label_name: str, key: str) -> str:
    return f"{label(label_name).id_prefix}:{key}"


def fingerprint() -> str:
    """A checksum of the declared model; migrations record it so drift is visible."""
    doc = {
        "labels": [[lab.name, [[p.name, p.type.value, p.required, p.enum] for p in lab.all_props], lab.scoped, lab.personal]
                   for lab in LABELS],
        "rels": [[r.name, r.endpoints, [[p.name, p.type.value] for p in r.props]] for r in RELATIONSHIPS],
        "internal": [[lab.name, lab.key, [[p.name, p.type.value] for p in lab.props], lab.indexed] for lab in INTERNAL_LABELS],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=list).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _ModelCheck:
    problems: list[str] = field(default_factory=list)


def check_model() -> list[str]:
    """Self-consistency of the declaration: endpoints name real labels, prefixes are unique."""
    problems: list[str] = []
    prefixes = [lab.id_prefix for lab in LABELS]
    if len(set(prefixes)) != len(prefixes):
        problems.append("id prefixes are not unique")
    for r in RELATIONSHIPS:
        for a, b in r.endpoints:
            if a not in LABELS_BY_NAME or b not in LABELS_BY_NAME:
                problems.append(f"{r.name}: endpoint {a}->{b} names an unknown label")
    for lab in LABELS:
        names = lab.prop_names
        if len(set(names)) != len(names):
            problems.append(f"{lab.name}: duplicate property names")
    return problems
