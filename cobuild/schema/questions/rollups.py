"""Result types of the roll-ups of an area: Q5/Q44 roll-up beside the reported figures, Q12 claim and
completion rates per street."""

from typing import Optional

import strawberry

from cobuild.schema.filters import ENUMS, bi
from cobuild.schema.questions.common import AdminAreaT, StatisticT
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

AgreementType = ENUMS["AgreementType"]


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
    groups: list[RollupGroup] = _f("按街道(镇)分行;直属于区的社区单列一行(行为该区本身);按名称、编号排序",
                                   "Per street or town; communities directly under a district form a row of their own (the row is the district); by name then id")
    comparisons: list[RollupComparison] = _f("逐项对照(Q44;固定顺序):每个公布数字与同一口径的图中计数并列",
                                             "Metric by metric reconciliation (Q44), in a fixed order: each reported figure beside the graph count of the same kind")
    statistics: list[StatisticT] = _f("该区域的全部公布数字(按指标、日期、编号排序)", "Every reported figure attached to the area, by metric, as-of date, then id")


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
    items: list[StreetRates] = _f("各行:每个街道(镇)一行,直属于区的社区单列一行(行为该区本身);各行相加等于合计;按名称、编号排序",
                                  "Rows: one per street or town, and one for communities directly under a district (the row is the district); rows add up to the totals; by name then id")
    community_count: int = _f("社区数", "Communities")
    demands_total: int = _f("需求数合计(不含草稿、取消)", "Demands in total (excluding drafts and cancelled)")
    demands_claimed: int = _f("已认领需求数合计", "Claimed demands in total")
    demands_completed: int = _f("已完成需求数合计", "Completed demands in total")
    claim_rate: Optional[float] = _f("需求认领率(合计)", "Demand claim rate (all rows)")
    demand_completion_rate: Optional[float] = _f("需求完成率(合计)", "Demand completion rate (all rows)")
    projects_total: int = _f("项目数合计", "Projects in total")
    projects_completed: int = _f("已完成项目数合计", "Completed projects in total")
    project_completion_rate: Optional[float] = _f("项目完成率(合计)", "Project completion rate (all rows)")
