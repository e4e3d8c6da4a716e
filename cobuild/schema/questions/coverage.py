"""Result types of the coverage questions: Q3 coverage gaps, Q13 co-building units without a project."""

from typing import Optional

import strawberry

from cobuild.schema.filters import ENUMS, bi
from cobuild.schema.questions.common import AdminAreaT, UnitT
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

CommunityType = ENUMS["CommunityType"]


@strawberry.type(description=bi("一个街道、一种社区类型的覆盖情况", "Coverage of one street and community type"))
class CoverageGroup:
    street: Optional[NodeRef] = _f("社区所在的行:所属街道(镇);直属于区的社区为该区本身",
                                   "The communities' row: their street or town, or the district itself for communities directly under it")
    community_type: Optional[CommunityType] = _f("社区类型", "Community type")
    community_count: int = _f("社区总数", "Communities")
    gap_count: int = _f("无结对社区数", "Communities without an active pairing")
    gaps: list[AdminAreaT] = _f("无结对的社区(按名称、编号排序)", "Communities without an active pairing, by name then id")


@strawberry.type(description=bi("结对共建覆盖缺口(Q3)", "Coverage gaps of co-building (Q3)"))
class CoverageGapsResult:
    area: AdminAreaT = _f("所问区域", "The area asked about")
    community_count: int = _f("该区域下的社区总数(含直属于区的社区)", "Communities under the area (those directly under a district included)")
    gap_count: int = _f("缺口数", "Communities without an active pairing")
    groups: list[CoverageGroup] = _f("按街道与社区类型分组(各组相加等于总数;按街道名称、街道编号、社区类型排序)",
                                     "Grouped per street and community type (the groups add up to the totals); by street name, street id, then community type")


@strawberry.type(description=bi("尚未认领项目的共建单位", "A co-building unit without a claimed project"))
class UnitWithoutProject:
    unit: UnitT = _f("单位", "Unit")
    areas: list[NodeRef] = _f("与之结对的区域(按名称、编号排序)", "Areas it co-builds with, by name then id")
    pairing_ids: list[strawberry.ID] = _f("结对编号(按编号排序)", "Pairing ids, sorted")


@strawberry.type(description=bi("“1+1”合规:未认领项目的共建单位(Q13)", "1+1 compliance: co-building units without a project (Q13)"))
class UnitsWithoutProjectsResult:
    area: Optional[AdminAreaT] = _f("所问区域(未指定则全部)", "The area asked about (all when not given)")
    co_building_units: int = _f("有效共建单位总数", "Active co-building units")
    count: int = _f("未认领项目的单位数", "Units without a claimed project")
    items: list[UnitWithoutProject] = _f("单位(按名称、编号排序)", "Units, by name then id")
