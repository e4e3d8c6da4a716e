"""Per-request GraphQL context, built once per request in ``get_context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cobuild.config import Settings
from cobuild.graph.engines.base import GraphEngine


@dataclass
class Context:
    engine: GraphEngine
    settings: Settings
    request: Any = None
    response: Any = None
    request_id: str = ""
    viewer: Any = None  # the authenticated principal (issue #4); None = anonymous
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def principal(self) -> Any:
        """Who is asking: the authenticated principal, or the anonymous one."""
        from cobuild.auth.principal import ANONYMOUS

        return self.viewer or ANONYMOUS

    @property
    def dialect(self) -> Any:
        return self.engine.dialect
