"""The ``Subscription`` root: ``demandBoard`` and ``changes`` (issue 12 part 1).

Served over WebSocket with the ``graphql-transport-ws`` protocol on ``/graphql``
(:mod:`cobuild.live.protocol`); how events travel and how to resume: docs/live.md.
"""

from __future__ import annotations

from typing import Annotated, AsyncGenerator, Optional

import strawberry
from strawberry.types import Info

from cobuild.graph import model
from cobuild.live import follow
from cobuild.schema.entities import entity_from_row
from cobuild.schema.feed import ChangeEvent, ChangeKind
from cobuild.schema.filters import bi, enum_for
from cobuild.schema.refs import EntityLabel

# The statuses as typed on Demand and Project (their vocabulary's terms), one field each: the two
# lifecycles differ (a demand is 办理中 where a project is 实施中, only projects are suspended …).
DemandStatus = enum_for(model.label("Demand").prop("status").enum, "Demand", model.label("Demand").prop("status"))
ProjectStatus = enum_for(model.label("Project").prop("status").enum, "Project", model.label("Project").prop("status"))


@strawberry.type(description=bi("需求/项目看板上的一次变动(发布、认领、开始、完成、取消……)",
                                "A move on the demand board: a demand or project published, claimed, started, completed, "
                                "cancelled …"))
class DemandBoardEvent(ChangeEvent):
    demand_status: Optional[DemandStatus] = strawberry.field(description=bi(  # type: ignore[valid-type]
        "推送时该需求的状态(项目的事件、已删除时为空)",
        "The demand's status when the event was delivered (null for a project's event or when it is gone)"))
    project_status: Optional[ProjectStatus] = strawberry.field(description=bi(  # type: ignore[valid-type]
        "推送时该项目的状态(需求的事件、已删除时为空)",
        "The project's status when the event was delivered (null for a demand's event or when it is gone)"))


def _fields(item: follow.Delivered) -> dict[str, object]:
    ev = item.event
    return dict(
        cursor=item.cursor, kind=ChangeKind(ev.kind), label=EntityLabel(ev.label) if ev.label else None,
        entity_id=strawberry.ID(ev.entity_id) if ev.entity_id else None,
        area_path=[strawberry.ID(a) for a in ev.area_path] if ev.area_path else None,
        changed_at=ev.changed_at, operation=ev.operation, fields=list(ev.fields), relationships=list(ev.relationships),
        _entity=entity_from_row(ev.label, item.entity) if item.entity is not None and ev.label else None,
    )


CURSOR_HELP = bi("从该游标之后开始(先补发变更流中游标之后的变更,再实时推送;不传:从现在开始)",
                 "Resume after this cursor (a changesSince or event cursor): what the feed holds after it is replayed "
                 "first, then live events follow with no gap; none: from now on")


@strawberry.type(description=bi("实时订阅(WebSocket,graphql-transport-ws)", "Live subscriptions (WebSocket, graphql-transport-ws)"))
class Subscription:
    @strawberry.subscription(description=bi(
        "需求看板:该区域(含下级)内需求与项目的发布、认领、开始、完成、取消等变动,实时推送",
        "The demand board: demands and projects of the area's subtree as they are published, claimed, started, "
        "completed or cancelled. Each batch of events reads its records in one statement."))
    async def demand_board(
        self, info: Info,
        area_id: Annotated[strawberry.ID, strawberry.argument(name="areaId", description=bi(
            "区域(含下级)", "The area (its whole subtree)"))],
        cursor: Annotated[Optional[str], strawberry.argument(description=CURSOR_HELP)] = None,
    ) -> AsyncGenerator[DemandBoardEvent, None]:
        async for item in follow.follow_board(info, str(area_id), cursor):
            status = (item.entity or {}).get("status")
            label = item.event.label
            yield DemandBoardEvent(  # type: ignore[arg-type]
                **_fields(item),
                demand_status=DemandStatus(status) if status and label == "Demand" else None,
                project_status=ProjectStatus(status) if status and label == "Project" else None)

    @strawberry.subscription(description=bi(
        "变更推送:权限范围内每条新增、修改、删除的记录(与 changesSince 相同的规则与游标)",
        "Every created, updated or deleted record in the caller's scope, as it commits — the change feed's rules and "
        "cursors (resume with changesSince or `cursor`). Each batch of events reads its records in one statement."))
    async def changes(
        self, info: Info,
        area_id: Annotated[Optional[strawberry.ID], strawberry.argument(name="areaId", description=bi(
            "只看该区域(含下级)内的变更", "Only changes of records in this area (or below it)"))] = None,
        labels: Annotated[Optional[list[EntityLabel]], strawberry.argument(description=bi(  # type: ignore[valid-type]
            "只看这些类型", "Only changes of these types"))] = None,
        cursor: Annotated[Optional[str], strawberry.argument(description=CURSOR_HELP)] = None,
    ) -> AsyncGenerator[ChangeEvent, None]:
        chosen = [lab.value for lab in labels] if labels else None
        async for item in follow.follow_changes(info, chosen, str(area_id) if area_id else None, cursor):
            yield ChangeEvent(**_fields(item))  # type: ignore[arg-type]
