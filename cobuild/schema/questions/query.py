"""The root type of the network questions (domain.md §3): one field per question, each a name and a
bilingual description bound to its root resolver. The resolver — its arguments' checks, its one
statement and the shaping of its answer — lives in the question's family module of
:mod:`cobuild.resolvers.questions`; the result types in the same-named module of
:mod:`cobuild.schema.questions`.
"""

import strawberry

from cobuild.resolvers.questions import coverage, demands, evaluations, members, network, partners, rollups
from cobuild.schema.filters import bi


@strawberry.type(description=bi("网络问题(domain.md §3)", "Network questions (domain.md §3)"))
class QuestionQuery:
    community_co_builders = strawberry.field(resolver=partners.community_co_builders, description=bi(
        "Q1 与社区结对共建的单位(含其小区、党支部的结对)",
        "Q1 Units co-building with a community, including pairings of its compounds and branches"))
    unit_communities = strawberry.field(resolver=partners.unit_communities, description=bi(
        "Q2 单位结对的社区及跨越的街道数",
        "Q2 Communities a unit co-builds with, and how many streets they span"))
    coverage_gaps = strawberry.field(resolver=coverage.coverage_gaps, description=bi(
        "Q3 尚无有效结对的社区(按街道、社区类型)",
        "Q3 Communities with no active co-building, per street and community type"))
    resident_units_not_engaged = strawberry.field(resolver=partners.resident_units_not_engaged, description=bi(
        "Q4 在本社区既未结对也未报到的驻区单位",
        "Q4 Resident units that neither co-build with nor report to their community"))
    rollup = strawberry.field(resolver=rollups.rollup, description=bi(
        "Q5/Q44 区域汇总(机关事业单位、两新组织、社区、协议、兼职委员)并与公布数字对照",
        "Q5/Q44 Roll-up of an area (agencies, 两新, communities, agreements, part-time members) beside the reported figures"))
    shortest_connection = strawberry.field(resolver=network.shortest_connection, description=bi(
        "Q6 两个主体之间的最短联系路径;有多条同样短的路径时,取从起点到终点节点编号序列按字典序最小者,"
        "再按各步(关系类型、方向、结对编号、角色)最小者",
        "Q6 Shortest connection between two actors. Of several equally short paths, the one whose node ids read from start "
        "to end are lexicographically smallest; then the one whose steps (relationship type, direction, pairing id, role) are"))
    hubs = strawberry.field(resolver=network.hubs, description=bi(
        "Q7 联系最广的枢纽(度或介数中心性;结对、联盟、任职关系)",
        "Q7 Most connected hubs by degree or betweenness over pairing, alliance and position edges"))
    isolated_clusters = strawberry.field(resolver=network.isolated_clusters, description=bi(
        "Q9 共建网络中的孤立组团(结对与联盟关系的连通分量)",
        "Q9 Isolated clusters: connected components of pairing, alliance and party-org ownership edges"))
    similar_communities = strawberry.field(resolver=partners.similar_communities, description=bi(
        "Q8 与该社区共享共建单位最多的社区",
        "Q8 Communities sharing the most co-building partners"))
    unclaimed_demands = strawberry.field(resolver=demands.unclaimed_demands, description=bi(
        "Q10 区域及下级区域发布、尚未被认领的需求及其时长",
        "Q10 Unclaimed demands published by an area or its sub-areas, with their age"))
    match_demands = strawberry.field(resolver=demands.match_demands, description=bi(
        "Q11 社区需求与资源按类别匹配(共建单位 > 同社区 > 同街道 > 其他)",
        "Q11 Match a community's demands to resources by category (partner > same community > same street > elsewhere)"))
    claim_rates = strawberry.field(resolver=rollups.claim_rates, description=bi(
        "Q12 各街道需求认领率、完成率与项目完成率",
        "Q12 Demand claim/completion and project completion rates per street"))
    units_without_projects = strawberry.field(resolver=coverage.units_without_projects, description=bi(
        "Q13 尚未认领任何项目的共建单位(“1+1”合规)",
        "Q13 Co-building units that claimed no project (1+1 compliance)"))
    community_reporting_members = strawberry.field(resolver=members.community_reporting_members, description=bi(
        "Q17 到社区报到的党员、报到时间及累计服务时长",
        "Q17 Members who reported to a community, when, and their service hours"))
    community_part_time_committee_members = strawberry.field(resolver=members.community_part_time_committee_members, description=bi(
        "Q20 社区兼职委员及其来源单位",
        "Q20 A community's part-time committee members and their source units"))
    alliance_members = strawberry.field(resolver=members.alliance_members, description=bi(
        "Q26 联盟成员及其中也与社区结对的成员",
        "Q26 Alliance members and which of them also co-build"))
    evaluation_scores = strawberry.field(resolver=evaluations.evaluation_scores, description=bi(
        "Q31 结对的年度双向评议得分;可筛选低于阈值的",
        "Q31 Two-way evaluation scores of pairings; optionally those below a threshold"))
    pairings_missing_evaluation = strawberry.field(resolver=evaluations.pairings_missing_evaluation, description=bi(
        "Q32 本年度任一方向缺少双向评议的有效结对",
        "Q32 Active pairings missing a two-way evaluation in either direction for a year"))
