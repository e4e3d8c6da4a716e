"""The ``changesSince`` root field: the durable change feed for integration partners (issue 12 part 2).

A partner pages with ``first`` and the ``endCursor`` of the previous page, and after hours of
downtime resumes exactly where it stopped: cursors are opaque and stable, numbers in commit order
(:mod:`cobuild.graph.changes`). Each event's ``entity`` is the record as it is now — selectable like
any entity, compiled into the page's one statement — or null when it is gone or out of scope.
"""

import datetime as dt
from typing import Annotated, Any, Optional

import strawberry
from strawberry.types import Info

from cobuild.graph import model
from cobuild.resolvers import feed as run
from cobuild.schema.entities import Entity, PageInfo, entity_from_row
from cobuild.schema.filters import bi, enum_for
from cobuild.schema.refs import EntityLabel

# The kinds from the model with their terms (cobuild.graph.vocabulary), like every enum of the schema;
# the entity types are the one EntityLabel of cobuild.schema.refs.
ChangeKind = enum_for(model.CHANGE_KINDS, model.CHANGE_EVENT.name, model.CHANGE_EVENT.prop("kind"))


@strawberry.type(description=bi("一条已提交的变更", "One committed change"))
class ChangeEvent:
    cursor: str = strawberry.field(description=bi("该变更之后的游标(不透明,稳定)", "Cursor just after this change (opaque, stable)"))
    kind: ChangeKind = strawberry.field(description=bi("变更类型", "CREATED, UPDATED, DELETED or RELOADED"))  # type: ignore[valid-type]
    label: Optional[EntityLabel] = strawberry.field(description=bi("实体类型", "Type of the changed record"))  # type: ignore[valid-type]
    entity_id: Optional[strawberry.ID] = strawberry.field(description=bi("实体编号", "Id of the changed record"))
    area_path: Optional[list[strawberry.ID]] = strawberry.field(description=bi("变更时所属区域链", "The record's areaPath when it changed"))
    changed_at: dt.datetime = strawberry.field(description=bi("变更时间(UTC)", "When it changed (UTC)"))
    operation: Optional[str] = strawberry.field(description=bi("所做操作(变更名或导入)", "The mutation or operation that made it"))
    fields: list[str] = strawberry.field(description=bi("变更的属性名(不含值)", "Names of the properties that changed (never values)"))
    relationships: list[str] = strawberry.field(description=bi("变更的关系类型", "Relationship types added or removed with it"))
    _entity: strawberry.Private[Any] = None

    @strawberry.field(description=bi("该记录的当前状态(已删除或不在权限范围内时为空;与其他实体一样可选字段,同一条语句取回)",
                                     "The record as it is now (null when gone or out of scope); select it like any entity — "
                                     "fetched by the page's one statement"))
    def entity(self) -> Optional[Entity]:  # type: ignore[valid-type]
        return self._entity


@strawberry.type(description=bi("变更分页中的一条", "An item of a page of changes"))
class ChangeEventEdge:
    cursor: str = strawberry.field(description=bi("游标", "Cursor of this change"))
    node: ChangeEvent = strawberry.field(description=bi("变更", "The change"))


@strawberry.type(description=bi("变更分页(按提交顺序)", "A page of changes, in commit order"))
class ChangeConnection:
    edges: list[ChangeEventEdge] = strawberry.field(description=bi("本页变更(含游标)", "Changes of this page with cursors"))
    nodes: list[ChangeEvent] = strawberry.field(description=bi("本页变更", "Changes of this page"))
    page_info: PageInfo = strawberry.field(description=bi("分页信息:endCursor 传给下一次 changesSince 的 cursor",
                                                           "Pagination: pass endCursor as the next call's cursor"))
    head_cursor: str = strawberry.field(description=bi("最新已提交变更的游标(从此刻开始跟随变更时使用)",
                                                       "Cursor of the newest committed change (start following from now)"))


def _event(page: run.FeedPage, ev: dict[str, Any]) -> ChangeEvent:
    label = ev.get("entityLabel")
    return ChangeEvent(
        cursor=page.cursor(ev["seq"]), kind=ChangeKind(ev["kind"]), label=EntityLabel(label) if label else None,
        entity_id=strawberry.ID(ev["entityId"]) if ev.get("entityId") else None,
        area_path=[strawberry.ID(a) for a in ev["areaPath"]] if ev.get("areaPath") else None,
        changed_at=ev["changedAt"], operation=ev.get("operation"), fields=list(ev.get("fields") or []),
        relationships=list(ev.get("relationships") or []),
        _entity=entity_from_row(label, ev["entity"]) if ev.get("entity") is not None and label else None,
    )


@strawberry.type
class FeedQuery:
    @strawberry.field(description=bi(
        "变更流:游标之后已提交的变更(按提交顺序;在权限范围内;保留期外的游标返回 CURSOR_EXPIRED)",
        "The change feed: changes committed after the cursor, in commit order, in the caller's scope; a cursor older "
        "than the retention answers CURSOR_EXPIRED. One statement per page."))
    async def changes_since(
        self, info: Info,
        cursor: Annotated[Optional[str], strawberry.argument(description=bi(
            "上一页的 endCursor(不传:从保留的最早变更开始)", "The previous page's endCursor (none: from the oldest change kept)"))] = None,
        labels: Annotated[Optional[list[EntityLabel]], strawberry.argument(description=bi(  # type: ignore[valid-type]
            "只看这些类型", "Only changes of these types"))] = None,
        area_id: Annotated[Optional[strawberry.ID], strawberry.argument(name="areaId", description=bi(
            "只看该区域(含下级)内的变更", "Only changes of records in this area (or below it)"))] = None,
        first: Annotated[int, strawberry.argument(description=bi(
            f"每页条数(默认 {run.DEFAULT_FIRST},最大 {run.MAX_FIRST})", f"Page size (default {run.DEFAULT_FIRST}, max {run.MAX_FIRST})"))] = run.DEFAULT_FIRST,
    ) -> ChangeConnection:
        chosen = [lab.value for lab in labels] if labels else None
        page = await run.changes_since(info, cursor, chosen, area_id, first)
        events = [_event(page, ev) for ev in page.events]
        edges = [ChangeEventEdge(cursor=e.cursor, node=e) for e in events]
        return ChangeConnection(
            edges=edges, nodes=events,
            page_info=PageInfo(has_next_page=page.has_next, has_previous_page=bool(cursor),
                               start_cursor=edges[0].cursor if edges else None, end_cursor=page.end_cursor),
            head_cursor=page.cursor(page.head),
        )
