"""Result types of the demand-list questions: Q10 unclaimed demands, Q11 demands matched to resources."""

import datetime as dt
from typing import Optional

import strawberry

from cobuild.schema.filters import bi, described_enum
from cobuild.schema.questions.common import AdminAreaT, DemandT, ResourceT, UnitT
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

MatchTier = described_enum("MatchTier", bi("需求与资源匹配的优先级", "Priority tier of a demand–resource match"), {
    "CO_BUILDING_PARTNER": ("共建单位提供", "Offered by an active co-building partner of the community"),
    "SAME_COMMUNITY": ("同社区单位提供", "Offered by a unit located in the community"),
    "SAME_STREET": ("同街道单位提供", "Offered by a unit in the same street"),
    "ELSEWHERE": ("其他单位提供", "Offered elsewhere"),
})


@strawberry.type(description=bi("一条未被认领的需求", "An unclaimed demand"))
class UnclaimedDemand:
    demand: DemandT = _f("需求", "Demand")
    publisher: NodeRef = _f("发布区域(多个时取编号最小者)", "Publishing area (of several, the smallest id)")
    categories: list[NodeRef] = _f("类别(按名称、编号排序)", "Categories, by name then id")
    published_at: Optional[dt.date] = _f("发布日期", "Published on")
    age_days: Optional[int] = _f("已发布天数(至 asOf)", "Days since publication (to asOf)")


@strawberry.type(description=bi("未被认领的需求及其时长(Q10)", "Unclaimed demands and their age (Q10)"))
class UnclaimedDemandsResult:
    area: AdminAreaT = _f("所问区域", "The area asked about")
    as_of: dt.date = _f("计算时长的日期", "Date the ages are computed at")
    count: int = _f("条数", "Count")
    items: list[UnclaimedDemand] = _f("需求:最久的在前(无发布日期在后),再按名称、编号",
                                      "Demands, oldest first (undated last), then by name, id")


@strawberry.type(description=bi("需求与资源的一个匹配", "A demand–resource match"))
class DemandMatch:
    demand: DemandT = _f("需求", "Demand")
    resource: ResourceT = _f("资源", "Resource")
    provider: UnitT = _f("提供单位", "Providing unit")
    category: NodeRef = _f("共同类别(同一优先级有多个时取编号最小者)", "Shared category (of several at the best tier, the smallest id)")
    tier: int = _f("优先级(1 共建单位 > 2 同社区 > 3 同街道 > 4 其他)", "Tier (1 partner > 2 same community > 3 same street > 4 elsewhere)")
    tier_name: MatchTier = _f("优先级名称", "Tier name")


@strawberry.type(description=bi("需求清单与资源清单匹配(Q11)", "Demand list matched to resource lists (Q11)"))
class MatchDemandsResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    total: int = _f("匹配总数(截断前)", "Matches before the limit")
    items: list[DemandMatch] = _f("匹配:按需求发布日期(无日期在后)、需求编号、优先级、提供单位名称与编号、资源编号",
                                  "Matches by the demand's publication date (undated last), demand id, tier, provider name and id, then resource id")
