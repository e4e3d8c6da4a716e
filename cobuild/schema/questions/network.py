"""Result types of the network-structure questions: Q6 shortest connection, Q7 hubs, Q9 isolated clusters
(the graph algorithms of :mod:`cobuild.graph.algorithms` compute Q7 and Q9 in Python)."""

from typing import Optional

import strawberry

from cobuild.graph import model
from cobuild.schema.filters import bi, described_enum
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

# The relationship types a shortest connection may use (the ConnectionType enum and the default of Q6's ``via``).
CONNECTION_TYPES = (
    "CO_BUILDS_WITH", "PAIRED_WITH", "BELONGS_TO", "HOLDS_POSITION", "COVERS", "HAS_PARTY_ORG", "PARTY_TO",
    "EMPLOYED_BY", "REPORTS_TO", "LOCATED_IN", "PART_OF",
)
ConnectionType = described_enum(
    "ConnectionType", bi("最短路径可经过的关系类型", "Relationship types a shortest connection may use"),
    {t: (model.rel(t).zh, model.rel(t).en) for t in CONNECTION_TYPES})
HubMetric = described_enum("HubMetric", bi("枢纽度量", "Hub metric"), {
    "DEGREE": ("度(关系数)", "Degree: number of relationships"),
    "BETWEENNESS": ("介数中心性(桥梁作用)", "Betweenness centrality: how often a node lies on shortest paths"),
})
StepDirection = described_enum("StepDirection", bi("路径一步的方向(相对于行进方向)", "Direction of a path step's relationship relative to travel"), {
    "OUTGOING": ("顺向(关系从本步起点指向终点)", "Outgoing: the relationship points from the step's start to its end"),
    "INCOMING": ("逆向(关系从本步终点指向起点)", "Incoming: the relationship points from the step's end to its start"),
    "UNKNOWN": ("未知", "Unknown (the engine gave no endpoints)"),
})


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
    steps: list[PathStep] = _f("逐步路径(从起点到终点)", "The path, step by step from the start to the end")
    nodes: list[NodeRef] = _f("路径上的节点(从起点到终点)", "Nodes on the path, from the start to the end")


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
    items: list[Hub] = _f("枢纽:按度量值(保留 10 位小数)降序,再按度降序、名称、编号",
                          "Hubs by metric value (rounded to 10 decimals) descending, then degree descending, name, id")


@strawberry.type(description=bi("一个相互连通的组团", "A connected cluster"))
class Cluster:
    size: int = _f("节点数", "Number of nodes")
    area_count: int = _f("其中行政区域数(社区、小区等)", "Administrative areas in it (communities, compounds …)")
    unit_count: int = _f("其中单位数", "Units in it")
    members: list[NodeRef] = _f("成员(最多 maxMembers 个;按类型、名称、编号排序)", "Members (at most maxMembers), by label, name, then id")
    truncated: bool = _f("成员列表是否被截断", "Whether the member list was cut")


@strawberry.type(description=bi("共建网络中的孤立组团(Q9)", "Isolated clusters of the co-building network (Q9)"))
class ClustersResult:
    computed_in_ms: float = _f("计算耗时(毫秒,不含读取)", "Computation time in ms (excluding the read)")
    node_count: int = _f("投影节点数", "Nodes in the projection")
    cluster_count: int = _f("组团总数", "Number of clusters")
    largest_size: int = _f("最大组团节点数", "Size of the largest cluster")
    items: list[Cluster] = _f("组团(由大到小,同样大小按成员最小编号)", "Clusters, largest first; equal sizes by their smallest member id")
