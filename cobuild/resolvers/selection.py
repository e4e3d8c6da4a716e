"""Selection helpers for resolvers (a thin face over :mod:`cobuild.graph.compile`).

A resolver that returns entities inside its own result (a question's items with a ``unit`` field)
projects them in its single statement and hands the maps to ``entity_from_row``::

    sel = selection_of(info, ["items", "unit"])           # None when the client did not ask
    clauses, unit_map = project_entity(sel, "Unit", "u", params, vars, carry=["c"], dialect=dialect)
    ...  RETURN {unit_map} AS unit
    Item(unit=entity_from_row("Unit", row["unit"]))
"""

from cobuild.graph.compile import (  # noqa: F401
    EntityPlan,
    collect_fields,
    field_arguments,
    plain,
    plan_entity,
    project_entity,
    selection_of,
)
from cobuild.schema.entities import entity_from_row  # noqa: F401

__all__ = ["EntityPlan", "collect_fields", "entity_from_row", "field_arguments", "plain", "plan_entity", "project_entity", "selection_of"]
