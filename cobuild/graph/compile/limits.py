"""The bounds of what one request may ask the compiler for: page sizes, nesting depths, and the name
grammar an alias must follow before it may appear in Cypher text.

They live apart because plans, filters, projections and the schema's descriptions all check against
the same numbers; changing a bound is one edit here.
"""

from __future__ import annotations

import re
from typing import Any

from cobuild.errors import ValidationError

DEFAULT_FIRST = 20
MAX_FIRST = 100
MAX_WHERE_DEPTH = 6
MAX_DEPTH = 8  # nested relationship levels in one selection
_GQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


def check_first(first: Any) -> int:
    if first is None:
        return DEFAULT_FIRST
    if isinstance(first, str) and first.lstrip("-").isdigit():  # an Int literal as Strawberry's nodes keep it
        first = int(first)
    if not isinstance(first, int) or first < 0 or first > MAX_FIRST:
        raise ValidationError(
            f"`first` must be between 0 and {MAX_FIRST} (got {first}); page with `after` for more",
            field="first",
        )
    return first
