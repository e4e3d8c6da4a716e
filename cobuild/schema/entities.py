"""Entity types for every label (placeholder until the entity layer lands)."""

import strawberry


@strawberry.type
class EntityQuery:
    @strawberry.field(description="服务版本 / Service version")
    def version(self) -> str:
        return "0.1.0"
