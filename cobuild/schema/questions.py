"""The network questions of domain.md §3 as first-class root fields (issue #3, part 3).

Each field sends ONE statement (:mod:`cobuild.resolvers.questions`): the entity-typed parts of an
answer (``unit``, ``community``, ``demand`` …) are the generated entity types of
:mod:`cobuild.schema.entities`, and their nested selections compile into that same statement.
Lighter references (the areas a pairing goes through, a street, a category, a path step's ends)
are :class:`~cobuild.schema.refs.NodeRef` values: id, label, name, level; ``via`` is always a list of them. ``hubs`` and ``isolatedClusters`` read their
projection with one statement and compute in Python (:mod:`cobuild.graph.algorithms`).
"""

import datetime as dt
import enum
from typing import Annotated, Any, Optional

import strawberry

import cobuild.schema.entities  # noqa: F401  (registers the entity types)
from cobuild.errors import ValidationError
from cobuild.graph import algorithms as algo
from cobuild.graph import model
from cobuild.resolvers import questions as R
from cobuild.resolvers.entities import TYPES, entity_from_row, run_read
from cobuild.schema.filters import ENUMS, bi, described_enum
from cobuild.schema.refs import NodeRef
from cobuild.schema.refs import refs as _refs

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
PairingStatus = ENUMS["PairingStatus"]
CommunityType = ENUMS["CommunityType"]
AgreementType = ENUMS["AgreementType"]
EvaluationDirection = ENUMS["EvaluationDirection"]
CoBuildingForm = ENUMS["CoBuildingForm"]
ReportStatus = ENUMS["ReportStatus"]
ReportType = ENUMS["ReportType"]
AllianceRole = ENUMS["AllianceRole"]


def _enum(cls: Any, value: Any) -> Any:
    """A stored string as the GraphQL enum (None when missing or not one of its values)."""
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        return None


def _e(label_name: str, data: dict[str, Any] | None) -> Any:
    return entity_from_row(label_name, data) if data else None


def _arg(zh: str, en: str) -> Any:
    return strawberry.argument(description=bi(zh, en))


def _f(zh: str, en: str) -> Any:
    return strawberry.field(description=bi(zh, en))


async def _run(info: strawberry.Info, stmt: Any) -> list[dict[str, Any]]:
    return await run_read(info, stmt)


def _q(info: strawberry.Info) -> R.Q:
    return R.Q(info, info.context.dialect)


# ---------------------------------------------------------------------------------------------
# Enums of the questions
# ---------------------------------------------------------------------------------------------
ConnectionType = described_enum(
    "ConnectionType", bi("最短路径可经过的关系类型", "Relationship types a shortest connection may use"),
    {t: (model.rel(t).zh, model.rel(t).en) for t in R.CONNECTION_TYPES})
HubMetric = described_enum("HubMetric", bi("枢纽度量", "Hub metric"), {
    "DEGREE": ("度(关系数)", "Degree: number of relationships"),
    "BETWEENNESS": ("介数中心性(桥梁作用)", "Betweenness centrality: how often a node lies on shortest paths"),
})
StepDirection = described_enum("StepDirection", bi("路径一步的方向(相对于行进方向)", "Direction of a path step's relationship relative to travel"), {
    "OUTGOING": ("顺向(关系从本步起点指向终点)", "Outgoing: the relationship points from the step's start to its end"),
    "INCOMING": ("逆向(关系从本步终点指向起点)", "Incoming: the relationship points from the step's end to its start"),
    "UNKNOWN": ("未知", "Unknown (the engine gave no endpoints)"),
})
MatchTier = described_enum("MatchTier", bi("需求与资源匹配的优先级", "Priority tier of a demand–resource match"), {
    "CO_BUILDING_PARTNER": ("共建单位提供", "Offered by an active co-building partner of the community"),
    "SAME_COMMUNITY": ("同社区单位提供", "Offered by a unit located in the community"),
    "SAME_STREET": ("同街道单位提供", "Offered by a unit in the same street"),
    "ELSEWHERE": ("其他单位提供", "Offered elsewhere"),
})


# ---------------------------------------------------------------------------------------------
# Q1
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("社区的一个结对共建单位(一次结对一条)", "A unit co-building with the community (one item per pairing)"))
class CommunityCoBuilder:
    unit: UnitT = _f("共建单位", "The co-building unit")
    via: list[NodeRef] = _f("结对所在区域(社区本身或其小区;一条)", "The area whose pairing it is: the community or one of its compounds (one)")
    since: Optional[dt.date] = _f("结对日期", "Paired since")
    pairing_id: strawberry.ID = _f("结对编号", "Pairing id")
    forms: list[CoBuildingForm] = _f("共建形式", "Forms of co-building")  # type: ignore[valid-type]
    status: Optional[PairingStatus] = _f("结对状态", "Pairing status")  # type: ignore[valid-type]
    via_party_org: Optional[bool] = _f("是否经由党组织结对", "Paired through party organisations")


@strawberry.type(description=bi("社区的结对共建单位(Q1)", "Units co-building with a community (Q1)"))
class CommunityCoBuildersResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    unit_count: int = _f("不同共建单位数", "Number of distinct co-building units")
    items: list[CommunityCoBuilder] = _f("结对(按日期)", "Pairings, by date")


# ---------------------------------------------------------------------------------------------
# Q2
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("单位结对的一个社区", "A community the unit co-builds with"))
class UnitCommunity:
    community: AdminAreaT = _f("社区", "Community")
    street: Optional[NodeRef] = _f("社区所在的行:所属街道(镇);直属于区的社区为该区本身",
                                   "The community's row: its street or town, or the district itself when the community hangs directly under it")
    since: Optional[dt.date] = _f("最早结对日期", "Earliest pairing date")
    pairing_ids: list[strawberry.ID] = _f("结对编号", "Pairing ids")
    via: list[NodeRef] = _f("经由的小区(若结对由小区发起)", "Compounds through which the pairing runs, if any")


@strawberry.type(description=bi("单位结对的社区及跨越的街道(Q2)", "Communities a unit co-builds with and the streets they span (Q2)"))
class UnitCommunitiesResult:
    unit: UnitT = _f("所问单位", "The unit asked about")
    community_count: int = _f("社区数", "Number of communities")
    communities: list[UnitCommunity] = _f("社区", "Communities")
    street_count: int = _f("跨越街道数(直属于区的社区计为该区)", "Number of streets spanned (a community directly under a district counts as that district)")
    streets: list[NodeRef] = _f("街道(及直属社区所在的区)", "Streets (and the district of communities directly under one)")
    other_areas: list[NodeRef] = _f("社区以上层级的结对区域(如街道)", "Paired areas above community level (e.g. streets)")


# ---------------------------------------------------------------------------------------------
# Q3
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("一个街道、一种社区类型的覆盖情况", "Coverage of one street and community type"))
class CoverageGroup:
    street: Optional[NodeRef] = _f("社区所在的行:所属街道(镇);直属于区的社区为该区本身",
                                   "The communities' row: their street or town, or the district itself for communities directly under it")
    community_type: Optional[CommunityType] = _f("社区类型", "Community type")
    community_count: int = _f("社区总数", "Communities")
    gap_count: int = _f("无结对社区数", "Communities without an active pairing")
    gaps: list[AdminAreaT] = _f("无结对的社区", "Communities without an active pairing")


@strawberry.type(description=bi("结对共建覆盖缺口(Q3)", "Coverage gaps of co-building (Q3)"))
class CoverageGapsResult:
    area: AdminAreaT = _f("所问区域", "The area asked about")
    community_count: int = _f("该区域下的社区总数(含直属于区的社区)", "Communities under the area (those directly under a district included)")
    gap_count: int = _f("缺口数", "Communities without an active pairing")
    groups: list[CoverageGroup] = _f("按街道与社区类型分组(各组相加等于总数)", "Grouped per street and community type (the groups add up to the totals)")


# ---------------------------------------------------------------------------------------------
# Q4
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("既未结对也未报到的驻区单位", "A resident unit that neither co-builds nor reports"))
class ResidentUnit:
    unit: UnitT = _f("单位", "Unit")
    located_in: NodeRef = _f("所在区域(社区或小区)", "Where it is located (community or compound)")


@strawberry.type(description=bi("驻区单位参与情况(Q4)", "Resident units not engaged (Q4)"))
class ResidentUnitsResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    resident_unit_count: int = _f("驻区单位数", "Resident units")
    engaged_count: int = _f("已结对或已报到的单位数", "Units that co-build or report")
    items: list[ResidentUnit] = _f("未参与的单位", "Units that neither co-build nor report")


# ---------------------------------------------------------------------------------------------
# Q5 / Q44
# ---------------------------------------------------------------------------------------------
_COMMUNITIES = ("该区域下的社区:由该区域经1–4步隶属关系可达的社区、村(该区域本身是社区时含其本身),含直属于区的社区;"
                "各项计数包括社区及其小区、网格",
                "The communities under the area: every community or village 1–4 PART_OF hops below it (the area itself when it is "
                "one), communities directly under a district included; each count takes in the communities and their compounds and grids")


@strawberry.type(description=bi("某一种协议的份数", "How many agreements of one kind"))
class AgreementKindCount:
    agreement_type: AgreementType = _f("协议种类", "Kind of agreement")
    count: int = _f("份数", "Agreements of this kind")


@strawberry.type(description=bi("图中计数与同一口径的公布数字的对照", "A graph count beside the reported figure that counts the same thing"))
class RollupComparison:
    metric: str = _f("指标:本结果中的字段名,协议按种类为 agreements<种类>(如 agreementsPairingResponsibility)",
                     "Metric: the field name in this result; agreements per kind are agreements<Kind> (e.g. agreementsPairingResponsibility)")
    agreement_type: Optional[AgreementType] = _f("对照的协议种类(仅协议指标;agreements 为各类合计)",
                                                 "The agreement kind compared (agreement metrics only; agreements is every kind)")
    definition: str = _f("口径:图中计数与公布数字各数什么", "Definition: what the graph count and the reported figure each count")
    graph_value: int = _f("图中计数(与公布数字同一口径)", "Count computed from the graph, of the same kind as the reported figure")
    reported_value: Optional[float] = _f("公布数字(限定词余/多/近见 statistic.qualifier)", "Reported figure (its qualifier 余/多/近 is statistic.qualifier)")
    difference: Optional[float] = _f("差值(图中计数−公布数字)", "Difference (graph − reported)")
    statistic: Optional[StatisticT] = _f("对应的公布数字", "The corresponding reported figure")


@strawberry.type(description=bi("汇总的一行:一个街道(镇)的社区,或直属于区的社区(行为该区本身)",
                                "One row of a roll-up: the communities of one street or town, or those directly under a district (the row is the district)"))
class RollupGroup:
    area: Optional[NodeRef] = _f("行所代表的区域:街道(镇),或直属社区所在的区", "The row's area: a street or town, or the district of communities directly under it")
    communities_total: int = _f("本行社区数(各行相加等于总数)", "Communities in this row (rows add up to the total)")
    communities_covered: int = _f("本行有结对的社区数(各行相加等于总数)", "Communities with an active pairing (rows add up to the total)")
    agencies_institutions_co_building: int = _f("与本行社区结对的机关事业单位数(与多行社区结对的单位在每行各计一次)",
                                                "Agencies and public institutions pairing with this row's communities (a unit pairing in several rows counts in each)")
    two_new_co_building: int = _f("与本行社区结对的“两新”组织数(同上)", "两新 organisations pairing with this row's communities (as above)")
    co_building_units: int = _f("与本行社区结对的单位数(同上)", "Units pairing with this row's communities (as above)")
    active_pairings: int = _f("本行社区的有效结对数", "Active pairings of this row's communities")
    agreements: int = _f("本行社区各类协议合计份数", "Agreements of every kind of this row's communities")
    agreements_by_kind: list[AgreementKindCount] = _f("本行社区按种类的协议份数", "Agreements of this row's communities, per kind")
    part_time_committee_members: int = _f("本行社区的兼职委员数", "Part-time committee members of this row's communities")


@strawberry.type(description=bi("区域汇总与公布数字对照(Q5、Q44)。" + _COMMUNITIES[0], "Roll-up of an area beside the reported figures (Q5, Q44). " + _COMMUNITIES[1]))
class RollupResult:
    area: AdminAreaT = _f("所问区域", "The area asked about")
    agencies_institutions_co_building: int = _f("与该区域下社区结对的不同机关事业单位数", "Distinct agencies and public institutions pairing with the communities under the area")
    two_new_co_building: int = _f("与该区域下社区结对的不同“两新”组织数", "Distinct 两新 organisations pairing with the communities under the area")
    co_building_units: int = _f("与该区域下社区结对的不同单位总数(含国企等)", "Distinct units of any type pairing with the communities under the area")
    active_pairings: int = _f("该区域下社区的有效结对数", "Active pairings of the communities under the area")
    communities_covered: int = _f("有结对的社区数(社区本身或其小区、网格有有效结对)", "Communities with an active pairing (on the community or a compound or grid under it)")
    communities_total: int = _f("该区域下的社区总数(含直属于区的社区)", "Communities under the area (those directly under a district included)")
    agreements: int = _f("各类协议合计份数(勿与只数一种协议的公布数字比较,见 agreementsByKind 与 comparisons)",
                         "Agreements of every kind (do not compare with a figure that counts one kind: see agreementsByKind and comparisons)")
    agreements_by_kind: list[AgreementKindCount] = _f("按种类的协议份数", "Agreements per kind")
    part_time_committee_members: int = _f("该区域下社区党组织的兼职委员数", "Part-time committee members of the communities' party organisations")
    groups: list[RollupGroup] = _f("按街道(镇)分行;直属于区的社区单列一行(行为该区本身)",
                                   "Per street or town; communities directly under a district form a row of their own (the row is the district)")
    comparisons: list[RollupComparison] = _f("逐项对照(Q44):每个公布数字与同一口径的图中计数并列",
                                             "Metric by metric reconciliation (Q44): each reported figure beside the graph count of the same kind")
    statistics: list[StatisticT] = _f("该区域的全部公布数字", "Every reported figure attached to the area")


# ---------------------------------------------------------------------------------------------
# Q6
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("路径中的一步", "One step of a path"))
class PathStep:
    from_: NodeRef = strawberry.field(name="from", description=bi("起点", "From"))
    relationship: ConnectionType = _f("关系类型", "Relationship type")  # type: ignore[valid-type]
    direction: StepDirection = _f("关系方向", "Direction of the relationship")
    to: NodeRef = _f("终点", "To")
    pairing_id: Optional[str] = _f("结对编号(派生共建边)", "Pairing id (derived co-building edges)")
    role: Optional[str] = _f("职务或角色(若有)", "Role, when the relationship has one")


@strawberry.type(description=bi("两个主体之间的最短联系(Q6)", "Shortest connection between two actors (Q6)"))
class ShortestConnectionResult:
    found: bool = _f("是否找到", "Whether a connection was found")
    hops: Optional[int] = _f("步数", "Number of hops")
    steps: list[PathStep] = _f("逐步路径", "The path, step by step")
    nodes: list[NodeRef] = _f("路径上的节点", "Nodes on the path")


# ---------------------------------------------------------------------------------------------
# Q7 / Q9
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("一个枢纽", "A hub"))
class Hub:
    node: NodeRef = _f("节点", "Node")
    score: float = _f("度量值", "Metric value")
    degree: int = _f("度(关系数)", "Degree (number of relationships)")


@strawberry.type(description=bi("联系最广的枢纽(Q7)", "Most connected hubs (Q7)"))
class HubsResult:
    metric: HubMetric = _f("度量", "Metric")
    method: str = _f("计算方法(exact 精确 / sampled 抽样)", "Method (exact or sampled)")
    computed_in_ms: float = _f("计算耗时(毫秒,不含读取)", "Computation time in ms (excluding the read)")
    node_count: int = _f("投影节点数", "Nodes in the projection")
    edge_count: int = _f("投影关系数", "Relationships in the projection")
    items: list[Hub] = _f("枢纽", "Hubs")


@strawberry.type(description=bi("一个相互连通的组团", "A connected cluster"))
class Cluster:
    size: int = _f("节点数", "Number of nodes")
    area_count: int = _f("其中行政区域数(社区、小区等)", "Administrative areas in it (communities, compounds …)")
    unit_count: int = _f("其中单位数", "Units in it")
    members: list[NodeRef] = _f("成员(最多 maxMembers 个)", "Members (at most maxMembers)")
    truncated: bool = _f("成员列表是否被截断", "Whether the member list was cut")


@strawberry.type(description=bi("共建网络中的孤立组团(Q9)", "Isolated clusters of the co-building network (Q9)"))
class ClustersResult:
    computed_in_ms: float = _f("计算耗时(毫秒,不含读取)", "Computation time in ms (excluding the read)")
    node_count: int = _f("投影节点数", "Nodes in the projection")
    cluster_count: int = _f("组团总数", "Number of clusters")
    largest_size: int = _f("最大组团节点数", "Size of the largest cluster")
    items: list[Cluster] = _f("组团(由大到小)", "Clusters, largest first")


# ---------------------------------------------------------------------------------------------
# Q8
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("一个相似社区", "A similar community"))
class SimilarCommunity:
    community: AdminAreaT = _f("社区", "Community")
    shared_count: int = _f("共享共建单位数", "Shared co-building partners")
    partner_count: int = _f("该社区共建单位数", "That community's partners")
    jaccard: float = _f("Jaccard 相似度", "Jaccard similarity")
    shared_partners: list[NodeRef] = _f("共享的共建单位", "The shared partners")


@strawberry.type(description=bi("共享共建单位最多的社区(Q8)", "Communities sharing the most partners (Q8)"))
class SimilarCommunitiesResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    partner_count: int = _f("所问社区的共建单位数", "Partners of the community asked about")
    items: list[SimilarCommunity] = _f("相似社区(按 Jaccard)", "Similar communities, by Jaccard")


# ---------------------------------------------------------------------------------------------
# Q10 / Q11 / Q12 / Q13
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("一条未被认领的需求", "An unclaimed demand"))
class UnclaimedDemand:
    demand: DemandT = _f("需求", "Demand")
    publisher: NodeRef = _f("发布区域", "Publishing area")
    categories: list[NodeRef] = _f("类别", "Categories")
    published_at: Optional[dt.date] = _f("发布日期", "Published on")
    age_days: Optional[int] = _f("已发布天数(至 asOf)", "Days since publication (to asOf)")


@strawberry.type(description=bi("未被认领的需求及其时长(Q10)", "Unclaimed demands and their age (Q10)"))
class UnclaimedDemandsResult:
    area: AdminAreaT = _f("所问区域", "The area asked about")
    as_of: dt.date = _f("计算时长的日期", "Date the ages are computed at")
    count: int = _f("条数", "Count")
    items: list[UnclaimedDemand] = _f("需求(最久的在前)", "Demands, oldest first")


@strawberry.type(description=bi("需求与资源的一个匹配", "A demand–resource match"))
class DemandMatch:
    demand: DemandT = _f("需求", "Demand")
    resource: ResourceT = _f("资源", "Resource")
    provider: UnitT = _f("提供单位", "Providing unit")
    category: NodeRef = _f("共同类别", "Shared category")
    tier: int = _f("优先级(1 共建单位 > 2 同社区 > 3 同街道 > 4 其他)", "Tier (1 partner > 2 same community > 3 same street > 4 elsewhere)")
    tier_name: MatchTier = _f("优先级名称", "Tier name")


@strawberry.type(description=bi("需求清单与资源清单匹配(Q11)", "Demand list matched to resource lists (Q11)"))
class MatchDemandsResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    total: int = _f("匹配总数(截断前)", "Matches before the limit")
    items: list[DemandMatch] = _f("匹配(按需求、优先级)", "Matches, by demand then tier")


@strawberry.type(description=bi("一行(一个街道或镇的社区,或直属于区的社区)的认领与完成率",
                                "Claim and completion rates of one row: the communities of a street or town, or those directly under a district"))
class StreetRates:
    street: AdminAreaT = _f("行所代表的区域:街道(镇),或直属社区所在的区", "The row's area: a street or town, or the district of communities directly under it")
    community_count: int = _f("本行社区数", "Communities in this row")
    demands_total: int = _f("需求数(不含草稿、取消)", "Demands (excluding drafts and cancelled)")
    demands_claimed: int = _f("已认领需求数", "Claimed demands")
    demands_completed: int = _f("已完成需求数", "Completed demands")
    claim_rate: Optional[float] = _f("需求认领率", "Demand claim rate")
    demand_completion_rate: Optional[float] = _f("需求完成率", "Demand completion rate")
    projects_total: int = _f("项目数", "Projects")
    projects_completed: int = _f("已完成项目数", "Completed projects")
    project_completion_rate: Optional[float] = _f("项目完成率", "Project completion rate")


@strawberry.type(description=bi("各街道认领率与完成率(Q12)。计入该区域下各社区(含直属于区的社区)及其小区、网格发布的需求和其结对下的项目",
                                "Claim and completion rates per street (Q12). Counts the demands published by the communities under the area "
                                "(those directly under a district included) and their compounds and grids, and the projects under their pairings"))
class ClaimRatesResult:
    area: AdminAreaT = _f("所问区域", "The area asked about")
    items: list[StreetRates] = _f("各行:每个街道(镇)一行,直属于区的社区单列一行(行为该区本身);各行相加等于合计",
                                  "Rows: one per street or town, and one for communities directly under a district (the row is the district); rows add up to the totals")
    community_count: int = _f("社区数", "Communities")
    demands_total: int = _f("需求数合计(不含草稿、取消)", "Demands in total (excluding drafts and cancelled)")
    demands_claimed: int = _f("已认领需求数合计", "Claimed demands in total")
    demands_completed: int = _f("已完成需求数合计", "Completed demands in total")
    claim_rate: Optional[float] = _f("需求认领率(合计)", "Demand claim rate (all rows)")
    demand_completion_rate: Optional[float] = _f("需求完成率(合计)", "Demand completion rate (all rows)")
    projects_total: int = _f("项目数合计", "Projects in total")
    projects_completed: int = _f("已完成项目数合计", "Completed projects in total")
    project_completion_rate: Optional[float] = _f("项目完成率(合计)", "Project completion rate (all rows)")


@strawberry.type(description=bi("尚未认领项目的共建单位", "A co-building unit without a claimed project"))
class UnitWithoutProject:
    unit: UnitT = _f("单位", "Unit")
    areas: list[NodeRef] = _f("与之结对的区域", "Areas it co-builds with")
    pairing_ids: list[strawberry.ID] = _f("结对编号", "Pairing ids")


@strawberry.type(description=bi("“1+1”合规:未认领项目的共建单位(Q13)", "1+1 compliance: co-building units without a project (Q13)"))
class UnitsWithoutProjectsResult:
    area: Optional[AdminAreaT] = _f("所问区域(未指定则全部)", "The area asked about (all when not given)")
    co_building_units: int = _f("有效共建单位总数", "Active co-building units")
    count: int = _f("未认领项目的单位数", "Units without a claimed project")
    items: list[UnitWithoutProject] = _f("单位", "Units")


# ---------------------------------------------------------------------------------------------
# Q17 / Q20 / Q26
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("一名报到党员", "A member who reported"))
class ReportingMember:
    person: PersonT = _f("党员", "Member")
    party_organization: NodeRef = _f("报到的社区党组织", "Community party organisation reported to")
    reported_at: Optional[dt.date] = _f("报到日期", "Reported on")
    status: Optional[ReportStatus] = _f("报到状态", "Report status")  # type: ignore[valid-type]
    report_type: Optional[ReportType] = _f("报到类型", "Report type")  # type: ignore[valid-type]
    channel: Optional[str] = _f("渠道", "Channel")
    service_hours: float = _f("在该社区的累计服务时长", "Total service hours in the community")
    service_records: int = _f("服务记录数", "Service records")


@strawberry.type(description=bi("到社区报到的党员(Q17)", "Members who reported to a community (Q17)"))
class CommunityReportingMembersResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    count: int = _f("人数", "Members")
    total_service_hours: float = _f("服务时长合计", "Total service hours")
    items: list[ReportingMember] = _f("党员(按报到日期)", "Members, by report date")


@strawberry.type(description=bi("一名兼职委员", "A part-time committee member"))
class PartTimeCommitteeMember:
    person: PersonT = _f("兼职委员", "Part-time committee member")
    party_organization: NodeRef = _f("任职的社区党组织", "Community party organisation")
    since: Optional[dt.date] = _f("任职起始", "Since")
    until: Optional[dt.date] = _f("任职截止", "Until")
    represents_unit_id: Optional[str] = _f("所代表单位编号", "Id of the unit represented")
    source_unit: Optional[UnitT] = _f("来源单位", "The unit the member comes from")


@strawberry.type(description=bi("社区兼职委员及来源单位(Q20)", "Part-time committee members and their source units (Q20)"))
class CommunityPartTimeCommitteeMembersResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    count: int = _f("人数", "Members")
    source_unit_count: int = _f("来源单位数", "Distinct source units")
    items: list[PartTimeCommitteeMember] = _f("兼职委员", "Members")


@strawberry.type(description=bi("联盟的一个成员", "A member of an alliance"))
class AllianceMember:
    unit: Optional[UnitT] = _f("成员单位(党组织成员时为其所属单位)", "Member unit (for a party-org member: the unit owning it)")
    party_organization: Optional[PartyOrganizationT] = _f("成员党组织(若成员为党组织)", "Member party organisation, if the member is one")
    role: Optional[AllianceRole] = _f("角色", "Role")  # type: ignore[valid-type]
    joined_at: Optional[dt.date] = _f("加入日期", "Joined on")
    co_builds: bool = _f("是否也与社区结对", "Whether it also co-builds with communities")
    co_building_areas: list[NodeRef] = _f("与之结对共建的区域", "Areas it co-builds with")


@strawberry.type(description=bi("联盟成员及其结对情况(Q26)", "Alliance members and whether they co-build (Q26)"))
class AllianceMembersResult:
    alliance: AllianceT = _f("联盟", "Alliance")
    member_count: int = _f("成员数", "Members")
    co_building_count: int = _f("同时结对的成员数", "Members that also co-build")
    items: list[AllianceMember] = _f("成员(结对者在前)", "Members, co-builders first")


# ---------------------------------------------------------------------------------------------
# Q31 / Q32
# ---------------------------------------------------------------------------------------------
@strawberry.type(description=bi("一次评议", "One evaluation"))
class EvaluationScore:
    evaluation: EvaluationT = _f("评议", "Evaluation")
    pairing: PairingT = _f("所涉结对", "The pairing")
    giver: Optional[NodeRef] = _f("评议方", "Who evaluated")
    target: Optional[NodeRef] = _f("被评议方", "Who was evaluated")


@strawberry.type(description=bi("双向评议得分(Q31)", "Two-way evaluation scores (Q31)"))
class EvaluationScoresResult:
    pairing: Optional[PairingT] = _f("所问结对(若指定)", "The pairing asked about, if any")
    count: int = _f("评议数", "Evaluations")
    average_score: Optional[float] = _f("平均分", "Average score")
    items: list[EvaluationScore] = _f("评议", "Evaluations")


@strawberry.type(description=bi("缺少本年度评议的结对", "A pairing missing this year's evaluation"))
class MissingEvaluation:
    pairing: PairingT = _f("结对", "Pairing")
    missing_directions: list[EvaluationDirection] = _f("缺少的方向", "Directions missing")  # type: ignore[valid-type]
    parties: list[NodeRef] = _f("结对各方(含 side)", "Parties of the pairing (with side)")


@strawberry.type(description=bi("缺少年度双向评议的有效结对(Q32)", "Active pairings missing a two-way evaluation (Q32)"))
class MissingEvaluationsResult:
    area: Optional[AdminAreaT] = _f("所问区域(若指定)", "The area asked about, if any")
    year: int = _f("年度", "Year")
    count: int = _f("结对数", "Pairings")
    items: list[MissingEvaluation] = _f("结对", "Pairings")


# ---------------------------------------------------------------------------------------------
# Root fields
# ---------------------------------------------------------------------------------------------
def _community(row: dict[str, Any], arg: str, node_id: str) -> None:
    R.require_level(row, R.COMMUNITY_LEVELS, arg, node_id)


def _limit(value: int, arg: str, hi: int = 100) -> int:
    R.check_range(value, 1, hi, arg)
    return value


MAX_MEMBERS = 50

_ROLLUP_COUNTS = (("agencies_institutions_co_building", "agenciesInstitutionsCoBuilding"), ("two_new_co_building", "twoNewCoBuilding"),
                  ("co_building_units", "coBuildingUnits"), ("active_pairings", "activePairings"),
                  ("communities_covered", "communitiesCovered"), ("communities_total", "communitiesTotal"),
                  ("agreements", "agreements"), ("part_time_committee_members", "partTimeCommitteeMembers"))
_RATES = (("community_count", "communityCount"), ("demands_total", "demandsTotal"), ("demands_claimed", "demandsClaimed"),
          ("demands_completed", "demandsCompleted"), ("claim_rate", "claimRate"), ("demand_completion_rate", "demandCompletionRate"),
          ("projects_total", "projectsTotal"), ("projects_completed", "projectsCompleted"),
          ("project_completion_rate", "projectCompletionRate"))


def _rollup_counts(d: dict[str, Any]) -> dict[str, Any]:
    return {**{k: d[c] for k, c in _ROLLUP_COUNTS},
            "agreements_by_kind": [AgreementKindCount(agreement_type=AgreementType(a["agreementType"]), count=a["count"])
                                   for a in d["agreementsByKind"]]}


def _rates(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[c] for k, c in _RATES}


@strawberry.type(description=bi("网络问题(domain.md §3)", "Network questions (domain.md §3)"))
class QuestionQuery:
    @strawberry.field(description=bi("Q1 与社区结对共建的单位(含其小区、党支部的结对)",
                                     "Q1 Units co-building with a community, including pairings of its compounds and branches"))
    async def community_co_builders(
        self, info: strawberry.Info,
        community_id: Annotated[strawberry.ID, _arg("社区编号", "Community id")],
        include_compounds: Annotated[bool, _arg("是否包含小区的结对", "Include pairings made by its compounds")] = True,
        status: Annotated[Optional[PairingStatus], _arg("结对状态(空=全部)", "Pairing status (null = any)")] = PairingStatus("ACTIVE"),
    ) -> CommunityCoBuildersResult:
        R.check_id(community_id, "AdminArea", "communityId")
        rows = await _run(info, R.q1_co_builders(_q(info), community_id, include_compounds, status.value if status else None))
        row = R.first_row(rows, "community", community_id)
        _community(row, "communityId", community_id)
        s = R.shape_co_builders(row)
        return CommunityCoBuildersResult(area=_e("AdminArea", s["area"]), unit_count=s["unitCount"], items=[
            CommunityCoBuilder(unit=_e("Unit", i["unit"]), via=_refs([i["via"]]), since=i["since"], pairing_id=i["pairingId"],
                               forms=[x for x in (_enum(CoBuildingForm, f) for f in i["forms"] or []) if x is not None],
                               status=_enum(PairingStatus, i["status"]), via_party_org=i["viaPartyOrg"]) for i in s["items"]])

    @strawberry.field(description=bi("Q2 单位结对的社区及跨越的街道数", "Q2 Communities a unit co-builds with, and how many streets they span"))
    async def unit_communities(self, info: strawberry.Info,
                               unit_id: Annotated[strawberry.ID, _arg("单位编号", "Unit id")]) -> UnitCommunitiesResult:
        R.check_id(unit_id, "Unit", "unitId")
        rows = await _run(info, R.q2_unit_communities(_q(info), unit_id))
        s = R.shape_unit_communities(R.first_row(rows, "unit", unit_id))
        return UnitCommunitiesResult(
            unit=_e("Unit", s["unit"]), community_count=s["communityCount"], street_count=s["streetCount"],
            streets=_refs(s["streets"]), other_areas=_refs(s["otherAreas"]),
            communities=[UnitCommunity(community=_e("AdminArea", c["community"]), street=NodeRef.of(c["street"]), since=c["since"],
                                       pairing_ids=c["pairingIds"], via=_refs(c["via"])) for c in s["communities"]])

    @strawberry.field(description=bi("Q3 尚无有效结对的社区(按街道、社区类型)", "Q3 Communities with no active co-building, per street and community type"))
    async def coverage_gaps(
        self, info: strawberry.Info,
        area_id: Annotated[strawberry.ID, _arg("区域编号(区、街道…)", "Area id (district, street …)")],
        community_type: Annotated[Optional[CommunityType], _arg("只看该类型社区", "Only communities of this type")] = None,
    ) -> CoverageGapsResult:
        R.check_id(area_id, "AdminArea", "areaId")
        rows = await _run(info, R.q3_coverage_gaps(_q(info), area_id, community_type.value if community_type else None))
        s = R.shape_coverage_gaps(R.first_row(rows, "area", area_id))
        return CoverageGapsResult(
            area=_e("AdminArea", s["area"]), community_count=s["communityCount"], gap_count=s["gapCount"],
            groups=[CoverageGroup(street=NodeRef.of(g["street"]),
                                  community_type=CommunityType(g["communityType"]) if g["communityType"] else None,
                                  community_count=g["communityCount"], gap_count=g["gapCount"],
                                  gaps=[_e("AdminArea", c) for c in g["gaps"]]) for g in s["groups"]])

    @strawberry.field(description=bi("Q4 在本社区既未结对也未报到的驻区单位", "Q4 Resident units that neither co-build with nor report to their community"))
    async def resident_units_not_engaged(
        self, info: strawberry.Info, community_id: Annotated[strawberry.ID, _arg("社区编号", "Community id")],
    ) -> ResidentUnitsResult:
        R.check_id(community_id, "AdminArea", "communityId")
        rows = await _run(info, R.q4_resident_units(_q(info), community_id))
        row = R.first_row(rows, "community", community_id)
        _community(row, "communityId", community_id)
        s = R.shape_resident_units(row)
        return ResidentUnitsResult(area=_e("AdminArea", s["area"]), resident_unit_count=s["residentUnitCount"],
                                   engaged_count=s["engagedCount"],
                                   items=[ResidentUnit(unit=_e("Unit", i["unit"]), located_in=NodeRef.of(i["locatedIn"])) for i in s["items"]])

    @strawberry.field(description=bi("Q5/Q44 区域汇总(机关事业单位、两新组织、社区、协议、兼职委员)并与公布数字对照",
                                     "Q5/Q44 Roll-up of an area (agencies, 两新, communities, agreements, part-time members) beside the reported figures"))
    async def rollup(self, info: strawberry.Info,
                     area_id: Annotated[strawberry.ID, _arg("区域编号", "Area id")]) -> RollupResult:
        R.check_id(area_id, "AdminArea", "areaId")
        rows = await _run(info, R.q5_rollup(_q(info), area_id))
        s = R.shape_rollup(R.first_row(rows, "area", area_id))
        return RollupResult(
            area=_e("AdminArea", s["area"]), **_rollup_counts(s),
            groups=[RollupGroup(area=NodeRef.of(g["area"]), **_rollup_counts(g)) for g in s["groups"]],
            comparisons=[RollupComparison(metric=c["metric"], graph_value=c["graphValue"], reported_value=c["reportedValue"],
                                          agreement_type=AgreementType(c["agreementType"]) if c["agreementType"] else None,
                                          definition=c["definition"], difference=c["difference"],
                                          statistic=_e("Statistic", c["statistic"])) for c in s["comparisons"]],
            statistics=[_e("Statistic", st) for st in s["statistics"]])

    @strawberry.field(description=bi("Q6 两个主体之间的最短联系路径", "Q6 Shortest connection between two actors"))
    async def shortest_connection(
        self, info: strawberry.Info,
        from_id: Annotated[strawberry.ID, _arg("起点编号", "Id of the start")],
        to_id: Annotated[strawberry.ID, _arg("终点编号", "Id of the end")],
        via: Annotated[Optional[list[ConnectionType]], _arg("可经过的关系类型(默认:全部)", "Relationship types allowed (default: all)")] = None,
        max_hops: Annotated[int, _arg("最多步数(1–10)", "Maximum hops (1–10)")] = 6,
    ) -> ShortestConnectionResult:
        R.check_range(max_hops, 1, 10, "maxHops")
        if via is not None and not via:
            raise ValidationError("via must name at least one relationship type (or be omitted for all)", field="via")
        if from_id == to_id:
            raise ValidationError("fromId and toId are the same node; ask for two different ones", field="toId")
        types = [t.value for t in via] if via else list(R.CONNECTION_TYPES)
        rows = await _run(info, R.q6_shortest_connection(_q(info), from_id, to_id, list(dict.fromkeys(types)), max_hops))
        row = R.first_row(rows, "node", from_id)
        if row.get("toId") is None:
            R.first_row([], "node", to_id)
        s = R.shape_shortest_connection(row)
        return ShortestConnectionResult(
            found=s["found"], hops=s["hops"], nodes=_refs(s["nodes"]),
            steps=[PathStep(from_=NodeRef.of(st["from"]), relationship=ConnectionType(st["relationship"]), direction=StepDirection(st["direction"]),
                            to=NodeRef.of(st["to"]), pairing_id=st["pairingId"], role=st["role"]) for st in s["steps"]])

    @strawberry.field(description=bi("Q7 联系最广的枢纽(度或介数中心性;结对、联盟、任职关系)",
                                     "Q7 Most connected hubs by degree or betweenness over pairing, alliance and position edges"))
    async def hubs(
        self, info: strawberry.Info,
        area_id: Annotated[Optional[strawberry.ID], _arg("只看与该区域相关的关系(默认全部)", "Only relationships touching this area's scope (default: all)")] = None,
        metric: Annotated[HubMetric, _arg("度量", "Metric")] = HubMetric.DEGREE,
        limit: Annotated[int, _arg("返回条数(1–100)", "How many (1–100)")] = 10,
    ) -> HubsResult:
        _limit(limit, "limit")
        if area_id is not None:
            R.check_id(area_id, "AdminArea", "areaId")
        rows = await _run(info, R.q_projection(_q(info), R.HUB_TYPES, area_id))
        proj, scope = algo.build_projection(rows)
        if area_id is not None and not scope:
            R.first_row([], "area", area_id)
        cent = algo.betweenness(proj) if metric is HubMetric.BETWEENNESS else algo.degree(proj)
        return HubsResult(metric=metric, method=cent.method, computed_in_ms=round(cent.ms, 3), node_count=proj.node_count,
                          edge_count=proj.edge_count,
                          items=[Hub(node=NodeRef.of(h["node"]), score=h["score"], degree=h["degree"]) for h in algo.top(proj, cent, limit)])

    @strawberry.field(description=bi("Q9 共建网络中的孤立组团(结对与联盟关系的连通分量)",
                                     "Q9 Isolated clusters: connected components of pairing, alliance and party-org ownership edges"))
    async def isolated_clusters(
        self, info: strawberry.Info,
        area_id: Annotated[Optional[strawberry.ID], _arg("只看与该区域相关的关系", "Only relationships touching this area's scope")] = None,
        min_size: Annotated[int, _arg("最小组团节点数", "Minimum cluster size")] = 1,
        exclude_largest: Annotated[bool, _arg("是否排除最大组团", "Leave out the largest (giant) cluster")] = False,
        limit: Annotated[int, _arg("返回组团数(1–100)", "How many clusters (1–100)")] = 20,
        max_members: Annotated[int, _arg(f"每个组团列出的成员数(1–{MAX_MEMBERS})", f"Members listed per cluster (1–{MAX_MEMBERS})")] = 20,
    ) -> ClustersResult:
        _limit(limit, "limit")
        _limit(max_members, "maxMembers", MAX_MEMBERS)
        R.check_range(min_size, 1, 1_000_000, "minSize")
        if area_id is not None:
            R.check_id(area_id, "AdminArea", "areaId")
        rows = await _run(info, R.q_projection(_q(info), R.CLUSTER_TYPES, area_id))
        proj, scope = algo.build_projection(rows)
        if area_id is not None and not scope:
            R.first_row([], "area", area_id)
        cl = algo.components(proj)
        comps = cl.components[1:] if exclude_largest else cl.components
        g = proj.graph
        items = []
        for c in comps:
            if len(c) < min_size:
                continue
            payloads = sorted((g[i] for i in c), key=lambda p: (p["label"] or "", p["name"] or "", p["id"]))
            items.append(Cluster(size=len(c), area_count=sum(1 for p in payloads if p["label"] == "AdminArea"),
                                 unit_count=sum(1 for p in payloads if p["label"] == "Unit"),
                                 members=_refs(payloads[:max_members]), truncated=len(payloads) > max_members))
            if len(items) >= limit:
                break
        return ClustersResult(computed_in_ms=round(cl.ms, 3), node_count=proj.node_count, cluster_count=len(cl.components),
                              largest_size=len(cl.components[0]) if cl.components else 0, items=items)

    @strawberry.field(description=bi("Q8 与该社区共享共建单位最多的社区", "Q8 Communities sharing the most co-building partners"))
    async def similar_communities(
        self, info: strawberry.Info,
        community_id: Annotated[strawberry.ID, _arg("社区编号", "Community id")],
        limit: Annotated[int, _arg("返回条数(1–100)", "How many (1–100)")] = 10,
    ) -> SimilarCommunitiesResult:
        _limit(limit, "limit")
        R.check_id(community_id, "AdminArea", "communityId")
        rows = await _run(info, R.q8_similar_communities(_q(info), community_id))
        row = R.first_row(rows, "community", community_id)
        s = R.shape_similar(row, limit)
        return SimilarCommunitiesResult(area=_e("AdminArea", s["area"]), partner_count=s["partnerCount"], items=[
            SimilarCommunity(community=_e("AdminArea", i["community"]), shared_count=i["sharedCount"], partner_count=i["partnerCount"],
                             jaccard=i["jaccard"], shared_partners=_refs(i["sharedPartners"])) for i in s["items"]])

    @strawberry.field(description=bi("Q10 区域及下级区域发布、尚未被认领的需求及其时长",
                                     "Q10 Unclaimed demands published by an area or its sub-areas, with their age"))
    async def unclaimed_demands(
        self, info: strawberry.Info,
        area_id: Annotated[strawberry.ID, _arg("区域编号", "Area id")],
        older_than_days: Annotated[Optional[int], _arg("只看发布超过该天数的", "Only those published more than this many days ago")] = None,
        as_of: Annotated[Optional[dt.date], _arg("计算时长的日期(默认今天)", "Date to compute ages at (default: today)")] = None,
    ) -> UnclaimedDemandsResult:
        R.check_id(area_id, "AdminArea", "areaId")
        R.check_range(older_than_days, 0, 36500, "olderThanDays")
        today = as_of or dt.date.today()
        cutoff = today - dt.timedelta(days=older_than_days + 1) if older_than_days is not None else None
        rows = await _run(info, R.q10_unclaimed_demands(_q(info), area_id, cutoff))
        s = R.shape_unclaimed(R.first_row(rows, "area", area_id), today)
        return UnclaimedDemandsResult(area=_e("AdminArea", s["area"]), as_of=today, count=s["count"], items=[
            UnclaimedDemand(demand=_e("Demand", i["demand"]), publisher=NodeRef.of(i["publisher"]), categories=_refs(i["categories"]),
                            published_at=i["publishedAt"], age_days=i["ageDays"]) for i in s["items"]])

    @strawberry.field(description=bi("Q11 社区需求与资源按类别匹配(共建单位 > 同社区 > 同街道 > 其他)",
                                     "Q11 Match a community's demands to resources by category (partner > same community > same street > elsewhere)"))
    async def match_demands(
        self, info: strawberry.Info,
        community_id: Annotated[strawberry.ID, _arg("社区编号", "Community id")],
        limit: Annotated[int, _arg("返回条数(1–100)", "How many (1–100)")] = 50,
    ) -> MatchDemandsResult:
        _limit(limit, "limit")
        R.check_id(community_id, "AdminArea", "communityId")
        rows = await _run(info, R.q11_match_demands(_q(info), community_id))
        s = R.shape_matches(R.first_row(rows, "community", community_id), limit)
        return MatchDemandsResult(area=_e("AdminArea", s["area"]), total=s["total"], items=[
            DemandMatch(demand=_e("Demand", i["demand"]), resource=_e("Resource", i["resource"]), provider=_e("Unit", i["provider"]),
                        category=NodeRef.of(i["category"]), tier=i["tier"], tier_name=MatchTier(i["tierName"])) for i in s["items"]])

    @strawberry.field(description=bi("Q12 各街道需求认领率、完成率与项目完成率", "Q12 Demand claim/completion and project completion rates per street"))
    async def claim_rates(self, info: strawberry.Info,
                          area_id: Annotated[strawberry.ID, _arg("区域编号", "Area id")]) -> ClaimRatesResult:
        R.check_id(area_id, "AdminArea", "areaId")
        rows = await _run(info, R.q12_claim_rates(_q(info), area_id))
        s = R.shape_claim_rates(R.first_row(rows, "area", area_id))
        return ClaimRatesResult(area=_e("AdminArea", s["area"]), **_rates(s), items=[
            StreetRates(street=_e("AdminArea", i["street"]), **_rates(i)) for i in s["items"]])

    @strawberry.field(description=bi("Q13 尚未认领任何项目的共建单位(“1+1”合规)", "Q13 Co-building units that claimed no project (1+1 compliance)"))
    async def units_without_projects(
        self, info: strawberry.Info,
        area_id: Annotated[Optional[strawberry.ID], _arg("区域编号(默认全部)", "Area id (default: everywhere)")] = None,
        year: Annotated[Optional[int], _arg("只看该年度的项目", "Only projects of this year")] = None,
    ) -> UnitsWithoutProjectsResult:
        if area_id is not None:
            R.check_id(area_id, "AdminArea", "areaId")
        R.check_range(year, 1900, 2100, "year")
        rows = await _run(info, R.q13_units_without_projects(_q(info), area_id, year))
        row = R.first_row(rows, "area", area_id or "")
        s = R.shape_units_without_projects(row)
        return UnitsWithoutProjectsResult(area=_e("AdminArea", s["area"]), co_building_units=s["coBuildingUnits"], count=s["count"], items=[
            UnitWithoutProject(unit=_e("Unit", i["unit"]), areas=_refs(i["areas"]), pairing_ids=[p for p in i["pairingIds"] if p])
            for i in s["items"]])

    @strawberry.field(description=bi("Q17 到社区报到的党员、报到时间及累计服务时长", "Q17 Members who reported to a community, when, and their service hours"))
    async def community_reporting_members(
        self, info: strawberry.Info, community_id: Annotated[strawberry.ID, _arg("社区编号", "Community id")],
    ) -> CommunityReportingMembersResult:
        R.check_id(community_id, "AdminArea", "communityId")
        rows = await _run(info, R.q17_reported_members(_q(info), community_id))
        s = R.shape_reported(R.first_row(rows, "community", community_id))
        return CommunityReportingMembersResult(area=_e("AdminArea", s["area"]), count=s["count"], total_service_hours=s["totalServiceHours"], items=[
            ReportingMember(person=_e("Person", m["person"]), party_organization=NodeRef.of(m["partyOrganization"]), reported_at=m["reportedAt"],
                            status=_enum(ReportStatus, m["status"]), report_type=_enum(ReportType, m["reportType"]), channel=m["channel"],
                            service_hours=m["serviceHours"], service_records=m["serviceRecords"]) for m in s["items"]])

    @strawberry.field(description=bi("Q20 社区兼职委员及其来源单位", "Q20 A community's part-time committee members and their source units"))
    async def community_part_time_committee_members(
        self, info: strawberry.Info, community_id: Annotated[strawberry.ID, _arg("社区编号", "Community id")],
    ) -> CommunityPartTimeCommitteeMembersResult:
        R.check_id(community_id, "AdminArea", "communityId")
        rows = await _run(info, R.q20_part_time_members(_q(info), community_id))
        s = R.shape_part_time(R.first_row(rows, "community", community_id))
        return CommunityPartTimeCommitteeMembersResult(area=_e("AdminArea", s["area"]), count=s["count"], source_unit_count=s["sourceUnitCount"], items=[
            PartTimeCommitteeMember(person=_e("Person", m["person"]), party_organization=NodeRef.of(m["partyOrganization"]), since=m["since"],
                           until=m["until"], represents_unit_id=m["representsUnitId"], source_unit=_e("Unit", m["sourceUnit"]))
            for m in s["items"]])

    @strawberry.field(description=bi("Q26 联盟成员及其中也与社区结对的成员", "Q26 Alliance members and which of them also co-build"))
    async def alliance_members(self, info: strawberry.Info,
                               alliance_id: Annotated[strawberry.ID, _arg("联盟编号", "Alliance id")]) -> AllianceMembersResult:
        R.check_id(alliance_id, "Alliance", "allianceId")
        rows = await _run(info, R.q26_alliance_members(_q(info), alliance_id))
        s = R.shape_alliance(R.first_row(rows, "alliance", alliance_id))
        return AllianceMembersResult(alliance=_e("Alliance", s["alliance"]), member_count=s["memberCount"],
                                     co_building_count=s["coBuildingCount"], items=[
            AllianceMember(unit=_e("Unit", i["unit"]), party_organization=_e("PartyOrganization", i["partyOrganization"]),
                           role=_enum(AllianceRole, i["role"]), joined_at=i["joinedAt"], co_builds=i["coBuilds"],
                           co_building_areas=_refs(i["coBuildsWith"]))
            for i in s["items"]])

    @strawberry.field(description=bi("Q31 结对的年度双向评议得分;可筛选低于阈值的", "Q31 Two-way evaluation scores of pairings; optionally those below a threshold"))
    async def evaluation_scores(
        self, info: strawberry.Info,
        pairing_id: Annotated[Optional[strawberry.ID], _arg("结对编号(默认全部)", "Pairing id (default: all)")] = None,
        year: Annotated[Optional[int], _arg("年度", "Year")] = None,
        below: Annotated[Optional[float], _arg("只看低于该分数的", "Only scores below this")] = None,
    ) -> EvaluationScoresResult:
        if pairing_id is not None:
            R.check_id(pairing_id, "Pairing", "pairingId")
        R.check_range(year, 1900, 2100, "year")
        R.check_range(below, 0, 100, "below")
        rows = await _run(info, R.q31_evaluation_scores(_q(info), pairing_id, year, below))
        s = R.shape_evaluations(R.first_row(rows, "pairing", pairing_id or ""))
        return EvaluationScoresResult(pairing=_e("Pairing", s["pairing"]), count=s["count"], average_score=s["averageScore"], items=[
            EvaluationScore(evaluation=_e("Evaluation", i["evaluation"]), pairing=_e("Pairing", i["pairing"]),
                            giver=NodeRef.of(i["giver"]), target=NodeRef.of(i["target"])) for i in s["items"]])

    @strawberry.field(description=bi("Q32 本年度任一方向缺少双向评议的有效结对", "Q32 Active pairings missing a two-way evaluation in either direction for a year"))
    async def pairings_missing_evaluation(
        self, info: strawberry.Info,
        year: Annotated[int, _arg("年度", "Year")],
        area_id: Annotated[Optional[strawberry.ID], _arg("只看该区域的结对", "Only pairings of this area")] = None,
    ) -> MissingEvaluationsResult:
        R.check_range(year, 1900, 2100, "year")
        if area_id is not None:
            R.check_id(area_id, "AdminArea", "areaId")
        rows = await _run(info, R.q32_missing_evaluations(_q(info), year, area_id))
        s = R.shape_missing(R.first_row(rows, "area", area_id or ""), year)
        return MissingEvaluationsResult(area=_e("AdminArea", s["area"]), year=year, count=s["count"], items=[
            MissingEvaluation(pairing=_e("Pairing", i["pairing"]), missing_directions=[EvaluationDirection(d) for d in i["missingDirections"]],
                              parties=_refs(i["parties"])) for i in s["items"]])
