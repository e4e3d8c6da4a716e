"""Check values against the model before they reach an engine.

LadybugDB turns a missing parameter into NULL, rounds a float written to an INT64 column and
finds nothing when an int is compared with a string key (ladybug-notes), so nothing is sent that
the model does not accept. Errors name the field so a person can fix the row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from cobuild.errors import ValidationError
from cobuild.graph import model
from cobuild.graph.model import NodeLabel, Prop, PropType, RelType


def coerce(prop: Prop, value: Any, where: str) -> Any:
    """The value converted to the property's type, or a ValidationError naming ``where``."""
    if value is None:
        return None
    t = prop.type
    try:
        if t is PropType.STRING:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise TypeError
            value = str(value)
        elif t is PropType.INT:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            value = int(value)
        elif t is PropType.FLOAT:
            if isinstance(value, bool):
                raise TypeError
            value = float(value)
        elif t is PropType.BOOL:
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            elif not isinstance(value, bool):
                raise TypeError
        elif t is PropType.DATE:
            if isinstance(value, dt.datetime):
                value = value.date()
            elif isinstance(value, str):
                value = dt.date.fromisoformat(value)
            elif not isinstance(value, dt.date):
                raise TypeError
        elif t is PropType.DATETIME:
            if isinstance(value, str):
                value = dt.datetime.fromisoformat(value)
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
            elif not isinstance(value, dt.datetime):
                raise TypeError
        elif t is PropType.STRING_LIST:
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise TypeError
            value = [str(v) for v in value]
    except (TypeError, ValueError):
        raise ValidationError(
            f"{where}: {prop.name} must be {t.value.lower().replace('_', ' ')}, got {value!r}",
            field=prop.name,
        ) from None
    if prop.enum is not None:
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if v not in prop.enum]
        if bad:
            raise ValidationError(
                f"{where}: {prop.name} must be one of {', '.join(prop.enum)}; got {', '.join(map(str, bad))}",
                field=prop.name,
            )
    return value


def node_row(lab: NodeLabel, row: Mapping[str, Any], where: str, *, partial: bool = False) -> dict[str, Any]:
    """A full row for ``lab`` (every model key present) from ``row``; unknown keys are refused."""
    known = {p.name: p for p in lab.all_props}
    unknown = [k for k in row if k not in known]
    if unknown:
        raise ValidationError(f"{where}: {lab.name} has no property {', '.join(sorted(unknown))}", field=unknown[0])
    out: dict[str, Any] = {}
    for name, prop in known.items():
        if name in row:
            out[name] = coerce(prop, row[name], where)
        elif not partial:
            out[name] = prop.default
    node_id = out.get("id")
    if not isinstance(node_id, str) or not node_id:
        raise ValidationError(f"{where}: id is required", field="id")
    owner = model.label_of_id(node_id)
    if owner is None or owner.name != lab.name:
        raise ValidationError(
            f"{where}: id {node_id!r} must start with '{lab.id_prefix}:' for a {lab.name}", field="id"
        )
    if not partial:
        for prop in lab.all_props:
            if prop.required and prop.name not in ("createdAt", "updatedAt") and out.get(prop.name) is None:
                raise ValidationError(f"{where}: {prop.name} is required for a {lab.name}", field=prop.name)
    return out


def rel_row(rt: RelType, row: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``from``/``to`` ids whose labels the type connects, plus every declared property."""
    src, dst = row.get("from"), row.get("to")
    if not isinstance(src, str) or not isinstance(dst, str):
        raise ValidationError(f"{where}: from and to are required ids", field="from" if not isinstance(src, str) else "to")
    a, b = model.label_of_id(src), model.label_of_id(dst)
    if a is None or b is None:
        bad = src if a is None else dst
        raise ValidationError(f"{where}: {bad!r} is not a cobuild id (label prefix unknown)", field="from" if a is None else "to")
    if not rt.connects(a.name, b.name):
        allowed = ", ".join(f"{x}->{y}" for x, y in rt.endpoints)
        raise ValidationError(f"{where}: {rt.name} cannot connect {a.name} to {b.name} (allowed: {allowed})", field="type")
    known = {p.name: p for p in rt.props}
    unknown = [k for k in row if k not in known and k not in ("from", "to")]
    if unknown:
        raise ValidationError(f"{where}: {rt.name} has no property {', '.join(sorted(unknown))}", field=unknown[0])
    out: dict[str, Any] = {"from": src, "to": dst, "fromLabel": a.name, "toLabel": b.name}
    for name, prop in known.items():
        out[name] = coerce(prop, row.get(name, prop.default), where)
        if prop.required and out[name] is None:
            raise ValidationError(f"{where}: {name} is required on {rt.name}", field=name)
    return out
