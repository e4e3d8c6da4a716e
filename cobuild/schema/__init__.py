"""The GraphQL schema: entity types, network questions and mutations merged into one schema."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from cobuild.limits import QueryLimits
from cobuild.schema.entities import EntityQuery
from cobuild.schema.errors import ErrorCodes
from cobuild.schema.feed import FeedQuery
from cobuild.schema.live import Subscription
from cobuild.schema.mutations import Mutation
from cobuild.schema.questions import QuestionQuery
from cobuild.schema.search import SearchQuery

_ROOTS = tuple(t for t in (EntityQuery, QuestionQuery, SearchQuery, FeedQuery) if getattr(t, "__strawberry_definition__").fields)
Query = merge_types("Query", _ROOTS)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=[ErrorCodes, QueryLimits])
