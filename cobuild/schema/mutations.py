"""Mutations enforcing domain.md §5 (placeholder until the mutations land)."""

import strawberry


@strawberry.type
class Mutation:
    @strawberry.mutation(description="占位 / Placeholder")
    def noop(self) -> bool:
        return True
