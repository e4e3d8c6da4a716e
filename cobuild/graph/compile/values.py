"""Client values (filter operands, cursor positions) converted to a property's type from the model.

Filters and cursors both carry values that arrive as JSON (dates as ISO strings …) and must reach
the engine typed as the stored property is, or comparisons silently match nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cobuild.errors import ValidationError
from cobuild.graph import model
from cobuild.graph.model import PropType


def to_value(prop: model.Prop, value: Any, what: str) -> Any:
    """A filter value converted to the property's type (dates from ISO strings …)."""
    t = prop.type
    try:
        if t in (PropType.STRING, PropType.STRING_LIST):
            if not isinstance(value, str):
                raise TypeError
            if prop.enum is not None and value not in prop.enum:
                raise ValidationError(f"{what}: {value!r} is not one of {', '.join(prop.enum)}", field=what)
            return value
        if t is PropType.INT:
            if isinstance(value, bool):
                raise TypeError
            return int(value)
        if t is PropType.FLOAT:
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if t is PropType.BOOL:
            if not isinstance(value, bool):
                raise TypeError
            return value
        if t is PropType.DATE:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value))
        if t is PropType.DATETIME:
            if isinstance(value, dt.datetime):
                v = value
            else:
                v = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)
    except (TypeError, ValueError):
        pass
    raise ValidationError(f"{what}: {value!r} is not a valid {t.value.lower()}", field=what)
