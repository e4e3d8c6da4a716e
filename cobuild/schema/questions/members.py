"""Result types of the member questions: Q17 reporting members, Q20 part-time committee members, Q26
alliance members."""

import datetime as dt
from typing import Optional

import strawberry

from cobuild.schema.filters import ENUMS, bi
from cobuild.schema.questions.common import AdminAreaT, AllianceT, PartyOrganizationT, PersonT, UnitT
from cobuild.schema.questions.common import field as _f
from cobuild.schema.refs import NodeRef

ReportStatus = ENUMS["ReportStatus"]
ReportType = ENUMS["ReportType"]
AllianceRole = ENUMS["AllianceRole"]


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
    items: list[ReportingMember] = _f("党员:按报到日期(无日期在后)、姓名、编号、党组织编号",
                                      "Members by report date (undated last), then name, id, party organisation id")


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
    items: list[PartTimeCommitteeMember] = _f("兼职委员:按姓名、编号、党组织编号、任职起始、所代表单位编号",
                                              "Members by name, id, party organisation id, since, represented unit id")


@strawberry.type(description=bi("联盟的一个成员", "A member of an alliance"))
class AllianceMember:
    unit: Optional[UnitT] = _f("成员单位(党组织成员时为其所属单位)", "Member unit (for a party-org member: the unit owning it)")
    party_organization: Optional[PartyOrganizationT] = _f("成员党组织(若成员为党组织)", "Member party organisation, if the member is one")
    role: Optional[AllianceRole] = _f("角色", "Role")  # type: ignore[valid-type]
    joined_at: Optional[dt.date] = _f("加入日期", "Joined on")
    co_builds: bool = _f("是否也与社区结对", "Whether it also co-builds with communities")
    co_building_areas: list[NodeRef] = _f("与之结对共建的区域(按名称、编号排序)", "Areas it co-builds with, by name then id")


@strawberry.type(description=bi("联盟成员及其结对情况(Q26)", "Alliance members and whether they co-build (Q26)"))
class AllianceMembersResult:
    alliance: AllianceT = _f("联盟", "Alliance")
    member_count: int = _f("成员数", "Members")
    co_building_count: int = _f("同时结对的成员数", "Members that also co-build")
    items: list[AllianceMember] = _f("成员:结对者在前,再按名称、编号、所属单位编号、角色、加入日期",
                                     "Members, co-builders first, then by name, id, owning unit id, role, joined date")
