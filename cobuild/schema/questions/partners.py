"""Result types of the partner questions: Q1 co-builders of a community, Q2 a unit's communities, Q4
resident units not engaged, Q8 similar communities."""

import datetime as dt
from typing import Optional

import strawberry

from cobuild.schema.filters import ENUMS, bi
from cobuild.schema.questions.common import AdminAreaT, UnitT
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

PairingStatus = ENUMS["PairingStatus"]
CoBuildingForm = ENUMS["CoBuildingForm"]


@strawberry.type(description=bi("社区的一个结对共建单位(一次结对一条)", "A unit co-building with the community (one item per pairing)"))
class CommunityCoBuilder:
    unit: UnitT = _f("共建单位", "The co-building unit")
    via: list[NodeRef] = _f("结对所在区域(社区本身或其小区;一条)", "The area whose pairing it is: the community or one of its compounds (one)")
    since: Optional[dt.date] = _f("结对日期", "Paired since")
    pairing_id: strawberry.ID = _f("结对编号", "Pairing id")
    forms: list[CoBuildingForm] = _f("共建形式(按记录顺序)", "Forms of co-building, in recorded order")  # type: ignore[valid-type]
    status: Optional[PairingStatus] = _f("结对状态", "Pairing status")  # type: ignore[valid-type]
    via_party_org: Optional[bool] = _f("是否经由党组织结对", "Paired through party organisations")


@strawberry.type(description=bi("社区的结对共建单位(Q1)", "Units co-building with a community (Q1)"))
class CommunityCoBuildersResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    unit_count: int = _f("不同共建单位数", "Number of distinct co-building units")
    items: list[CommunityCoBuilder] = _f("结对:按结对日期(无日期在后)、单位名称、单位编号、结对编号、所经区域编号排序",
                                          "Pairings by pairing date (undated last), then unit name, unit id, pairing id, via-area id")


@strawberry.type(description=bi("单位结对的一个社区", "A community the unit co-builds with"))
class UnitCommunity:
    community: AdminAreaT = _f("社区", "Community")
    street: Optional[NodeRef] = _f("社区所在的行:所属街道(镇);直属于区的社区为该区本身",
                                   "The community's row: its street or town, or the district itself when the community hangs directly under it")
    since: Optional[dt.date] = _f("最早结对日期", "Earliest pairing date")
    pairing_ids: list[strawberry.ID] = _f("结对编号(按编号排序)", "Pairing ids, sorted")
    via: list[NodeRef] = _f("经由的小区(若结对由小区发起;按名称、编号排序)",
                            "Compounds through which the pairing runs, if any (by name, then id)")


@strawberry.type(description=bi("单位结对的社区及跨越的街道(Q2)", "Communities a unit co-builds with and the streets they span (Q2)"))
class UnitCommunitiesResult:
    unit: UnitT = _f("所问单位", "The unit asked about")
    community_count: int = _f("社区数", "Number of communities")
    communities: list[UnitCommunity] = _f("社区(按名称、编号排序)", "Communities, by name then id")
    street_count: int = _f("跨越街道数(直属于区的社区计为该区)", "Number of streets spanned (a community directly under a district counts as that district)")
    streets: list[NodeRef] = _f("街道(及直属社区所在的区;按名称、编号排序)", "Streets (and the district of communities directly under one), by name then id")
    other_areas: list[NodeRef] = _f("社区以上层级的结对区域(如街道;按名称、编号排序)",
                                    "Paired areas above community level (e.g. streets), by name then id")


@strawberry.type(description=bi("既未结对也未报到的驻区单位", "A resident unit that neither co-builds nor reports"))
class ResidentUnit:
    unit: UnitT = _f("单位", "Unit")
    located_in: NodeRef = _f("所在区域(社区或其下区域;位于多处时取层级最细者,再取编号最小者)",
                             "Where it is located (the community or an area under it; of several, the most specific level, then the smallest id)")


@strawberry.type(description=bi("驻区单位参与情况(Q4)", "Resident units not engaged (Q4)"))
class ResidentUnitsResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    resident_unit_count: int = _f("驻区单位数", "Resident units")
    engaged_count: int = _f("已结对或已报到的单位数", "Units that co-build or report")
    items: list[ResidentUnit] = _f("未参与的单位(按名称、编号排序)", "Units that neither co-build nor report, by name then id")


@strawberry.type(description=bi("一个相似社区", "A similar community"))
class SimilarCommunity:
    community: AdminAreaT = _f("社区", "Community")
    shared_count: int = _f("共享共建单位数", "Shared co-building partners")
    partner_count: int = _f("该社区共建单位数", "That community's partners")
    jaccard: float = _f("Jaccard 相似度", "Jaccard similarity")
    shared_partners: list[NodeRef] = _f("共享的共建单位(按名称、编号排序)", "The shared partners, by name then id")


@strawberry.type(description=bi("共享共建单位最多的社区(Q8)", "Communities sharing the most partners (Q8)"))
class SimilarCommunitiesResult:
    area: AdminAreaT = _f("所问社区", "The community asked about")
    partner_count: int = _f("所问社区的共建单位数", "Partners of the community asked about")
    items: list[SimilarCommunity] = _f("相似社区:按 Jaccard 降序、共享数降序、名称、编号",
                                       "Similar communities by Jaccard descending, then shared partners descending, name, id")
