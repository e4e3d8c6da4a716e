"""Batch upsert fields for every record a partner may own (issue 12 part 4), generated from the model
and :mod:`cobuild.graph.partner_records`.

``<Label>UpsertInput`` has ``externalId``, every property of the label that is not derived — typed
as in the entity layer, enum properties with the same GraphQL enums as the filters
(:func:`cobuild.schema.filters.enum_for`) — and the label's references as ids. ``upsert<Labels>``
takes ``partner``, ``items``, ``dryRun`` and ``clientMutationId`` and answers counts plus one result
per item. The unit of work is :func:`cobuild.resolvers.upserts.upsert`.

Annotations are evaluated at definition time (no ``from __future__ import annotations``) because the
inputs are generated.
"""

import keyword
from typing import Annotated, Any, Awaitable, Callable, Optional

import strawberry
from strawberry.types import Info

from cobuild.graph import model
from cobuild.graph.compile import plain
from cobuild.graph.partner_records import SPECS, Spec
from cobuild.resolvers import upserts as run
from cobuild.schema.filters import bi, described_enum, scalar_type

_MODULE = __name__
_NS = globals()


UpsertOutcome = described_enum("UpsertOutcome", bi("批量写入中一条的结果", "What happened (or, in a dry run, would happen) to one item of a batch upsert"), {
    "CREATED": ("新建", "Created: a new record (would be, in a dry run)"),
    "UPDATED": ("更新", "Updated: properties or references of the existing record changed"),
    "UNCHANGED": ("未变化", "Unchanged: the record was already up to date"),
    "REFUSED": ("被拒绝", "Refused: the item breaks a rule (code, message and field say which)"),
})


@strawberry.type(description=bi("批量写入中一条的结果", "The result of one item of a batch upsert"))
class UpsertItemResult:
    index: int = strawberry.field(description=bi("条目在 items 中的位置(从 0 起)", "Position of the item in `items` (from 0)"))
    external_id: Optional[str] = strawberry.field(description=bi("合作方外部编号", "The partner's external id"))
    id: Optional[strawberry.ID] = strawberry.field(description=bi("cobuild 编号", "The cobuild id"))
    outcome: UpsertOutcome = strawberry.field(  # type: ignore[valid-type]
        description=bi("新建、更新、未变化或被拒绝", "CREATED, UPDATED, UNCHANGED or REFUSED"))
    code: Optional[str] = strawberry.field(description=bi("被拒绝时的错误代码", "Error code when refused (VALIDATION, PAIRING_DUPLICATE, FORBIDDEN …)"))
    message: Optional[str] = strawberry.field(description=bi("被拒绝的原因", "Why it was refused"))
    field: Optional[str] = strawberry.field(description=bi("出错的字段", "The field at fault, when one is"))


@strawberry.type(description=bi("批量写入结果", "Result of a batch upsert"))
class UpsertPayload:
    created: int = strawberry.field(description=bi("新建数", "Records created (would be, in a dry run)"))
    updated: int = strawberry.field(description=bi("更新数", "Records whose properties or references changed"))
    unchanged: int = strawberry.field(description=bi("未变化数", "Records already up to date"))
    refused: int = strawberry.field(description=bi("被拒绝数(仅试运行;正式写入时任一条被拒绝则整批不写)",
                                                    "Items refused (dry run only: otherwise one refused item refuses the batch)"))
    dry_run: bool = strawberry.field(description=bi("是否为试运行(未写入任何内容)", "Whether this was a dry run (nothing written)"))
    ids: list[Optional[strawberry.ID]] = strawberry.field(description=bi("各条目的 cobuild 编号(与输入顺序一致)", "cobuild ids, in input order"))
    items: list[UpsertItemResult] = strawberry.field(description=bi("每条的结果(与输入顺序一致)", "One result per item, in input order"))
    client_mutation_id: Optional[str] = strawberry.field(default=None, description=bi("调用方传入的幂等键", "The clientMutationId sent, echoed"))


def _py(name: str) -> str:
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return snake + "_" if keyword.iskeyword(snake) else snake


def _value_type(prop: model.Prop, owner: str) -> Any:
    item = scalar_type(prop, owner)
    return Optional[list[item]] if prop.is_list else Optional[item]


def upsert_input(spec: Spec) -> type:
    """``<Label>UpsertInput``: ``externalId``, the label's own properties and its references."""
    lab = model.label(spec.label)
    ann: dict[str, Any] = {"external_id": str}
    ns: dict[str, Any] = {"__module__": _MODULE, "external_id": strawberry.field(
        name="externalId", description=bi("合作方外部编号(同一编号写入同一节点)", "The partner's external id (the same id always writes the same node)"))}
    for p in lab.all_props:
        if p.name in spec.skipped:
            continue
        attr = _py(p.name)
        ann[attr] = _value_type(p, lab.name)
        req = " (required)" if p.required else ""
        ns[attr] = strawberry.field(default=strawberry.UNSET, name=p.name,
                                    description=f"{p.zh}{'(必填)' if p.required else ''} / {p.en}{req}")
    for ref in spec.input_refs:
        attr = _py(ref.field)
        ann[attr] = Optional[list[strawberry.ID]] if ref.many else Optional[strawberry.ID]
        need = (f" (required: at least {ref.min_items})" if ref.many else " (required)") if ref.required else ""
        ns[attr] = strawberry.field(default=strawberry.UNSET, name=ref.field, description=(
            f"{ref.zh}{'(必填)' if ref.required else ''} / {ref.en}{need}; ids of {' or '.join(ref.labels)}"))
    ns["__annotations__"] = ann
    type_name = f"{spec.label}UpsertInput"
    cls = strawberry.input(type(type_name, (), ns), name=type_name,
                           description=bi(f"{lab.zh}批量写入条目(整条记录)", f"{lab.en}: one item of a batch upsert (the full record)"))
    _NS[type_name] = cls
    return cls


UPSERT_INPUTS: dict[str, type] = {label: upsert_input(s) for label, s in SPECS.items()}


def payload(o: Any, client_mutation_id: Optional[str]) -> UpsertPayload:
    d = o.ids
    return UpsertPayload(
        created=d["created"], updated=d["updated"], unchanged=d["unchanged"], refused=d["refused"], dry_run=d["dryRun"],
        ids=[strawberry.ID(i) if i else None for i in d["ids"]],
        items=[UpsertItemResult(index=r["index"], external_id=r["externalId"], id=strawberry.ID(r["id"]) if r["id"] else None,
                                outcome=UpsertOutcome(r["outcome"]), code=r["code"], message=r["message"], field=r["field"])
               for r in d["items"]],
        client_mutation_id=client_mutation_id,
    )


Runner = Callable[[Info, str, dict[str, Any], Optional[str], Callable[[], Awaitable[Any]]], Awaitable[Any]]


def upsert_field(label_name: str, runner: Runner) -> Any:
    """The ``upsert<Labels>`` mutation field; ``runner`` adds idempotency and prune-on-write around it."""
    spec = SPECS[label_name]
    input_cls = UPSERT_INPUTS[label_name]
    lab = model.label(label_name)

    async def resolver(
        info: Info,
        partner: Annotated[str, strawberry.argument(description=bi("合作方代码(小写字母、数字、-、_)", "Partner key (lower-case letters, digits, - and _)"))],
        items: Annotated[list[input_cls], strawberry.argument(description=bi(  # type: ignore[valid-type]
            "条目(每批最多 COBUILD_MAX_UPSERT_ITEMS 条,默认 500)", "Items (at most COBUILD_MAX_UPSERT_ITEMS per call, default 500)"))],
        dry_run: Annotated[bool, strawberry.argument(name="dryRun", description=bi(
            "试运行:逐条回答将新建、更新、不变或拒绝(附代码),不写入", "Dry run: answer per item what would be created, updated, "
            "unchanged or refused (with the code), writing nothing"))] = False,
        client_mutation_id: Annotated[Optional[str], strawberry.argument(name="clientMutationId", description=bi(
            "幂等键(同键同请求重试返回首次结果)", "Idempotency key: a retry with the same key and input returns the first answer"))] = None,
    ) -> UpsertPayload:
        rows = [plain(i) for i in items]
        settings = info.context.settings
        args = {"partner": partner, "items": rows, "dryRun": dry_run}
        o = await runner(info, spec.field_name, args, client_mutation_id, lambda: run.upsert(
            info.context.engine, info.context.principal, label_name, partner, rows, dry_run=dry_run,
            max_items=getattr(settings, "max_upsert_items", run.DEFAULT_MAX_ITEMS)))
        return payload(o, client_mutation_id)

    refs = ", ".join(r.field for r in spec.input_refs)
    return strawberry.mutation(
        resolver=resolver, name=spec.field_name,
        description=(f"按合作方外部编号批量写入{lab.zh}(幂等;整条记录覆盖;与单条操作相同的业务规则;整批全部成功或全部不写;"
                     f"dryRun 试运行) / Upsert {lab.en} records by the partner's external id (idempotent; each item is the "
                     "full record; the same business rules as the single mutations; all or nothing per batch; dryRun "
                     f"answers per item without writing){'; references: ' + refs if refs else ''}; "
                     "id = prefix:x-<partner>-<sha1(externalId)[:12]>"),
    )

