"""``NodeRef``: the light reference every list of "through which / who" uses (``via``, path steps,
hub members), shared by the entity edges and the network questions so a reference has one shape.

A reference is built in Python from a small projected map (id, name, level, side); its label is
read off the id prefix. A person's name is shown to admins only (``***`` otherwise): full rules
apply when the person is fetched as an entity.
"""

from __future__ import annotations

import enum
from typing import Any, Optional

import strawberry

from cobuild.auth.access import MASK
from cobuild.graph import model
from cobuild.schema.filters import ENUMS, bi, described_enum

EntityLabel = described_enum("EntityLabel", bi("对象类型(标签)", "Type (label) of a node"),
                             {lab.name: (lab.zh, lab.en) for lab in model.LABELS})
AreaLevel = ENUMS["AreaLevel"]
PartySide = ENUMS["PartySide"]


def _enum(cls: Any, value: Any) -> Any:
    if value is None or isinstance(value, enum.Enum):
        return value
    try:
        return cls(value)
    except ValueError:
        return None


@strawberry.type(description=bi("对象的简要引用(编号、类型、名称;区域另有层级,结对参与方另有一方)",
                                "A brief reference to a node: id, label, name; an area's level; a pairing party's side"))
class NodeRef:
    id: strawberry.ID = strawberry.field(description=bi("编号", "Id"))
    label: Optional[EntityLabel] = strawberry.field(description=bi("类型(标签)", "Label (type)"))  # type: ignore[valid-type]
    level: Optional[AreaLevel] = strawberry.field(description=bi("区域层级(仅行政区域)", "Area level (administrative areas only)"))  # type: ignore[valid-type]
    side: Optional[PartySide] = strawberry.field(description=bi("结对一方(仅结对参与方)", "Side in a pairing (pairing parties only)"))  # type: ignore[valid-type]
    raw_name: strawberry.Private[Optional[str]] = None

    @strawberry.field(description=bi("名称(人员姓名仅对管理员显示,其余为 ***;完整权限规则见人员查询)",
                                     "Name (a person's name shows to admins only, *** otherwise; person(id) applies the full rules)"))
    def name(self, info: strawberry.Info) -> Optional[str]:
        lab = model.label_of_id(str(self.id))
        if self.raw_name is not None and lab is not None and "name" in lab.personal:
            if info.context.principal.role != "admin":
                return MASK
        return self.raw_name

    @staticmethod
    def of(d: dict[str, Any] | None) -> Optional["NodeRef"]:
        if not d or not d.get("id"):
            return None
        lab = model.label_of_id(d["id"])
        label = d.get("label") or (lab.name if lab else None)
        return NodeRef(id=d["id"], label=_enum(EntityLabel, label), raw_name=d.get("name"),
                       level=_enum(AreaLevel, d.get("level")), side=_enum(PartySide, d.get("side")))


def refs(items: list[dict[str, Any]] | None) -> list[NodeRef]:
    return [r for r in (NodeRef.of(i) for i in items or []) if r is not None]
