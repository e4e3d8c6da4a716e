"""GraphQL naming lives in :mod:`cobuild.graph.naming` (the compiler needs it without importing the
schema package); this module re-exports it for schema-side callers."""

from cobuild.graph.naming import *  # noqa: F401,F403
from cobuild.graph.naming import (  # noqa: F401
    INCOMING,
    RelField,
    enum_type_name,
    list_field,
    other_end_type,
    rel_edge_type,
    rel_fields,
    single_field,
)
