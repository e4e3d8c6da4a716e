"""The GraphQL schema: the root Query (entity fields, network questions, search and the change feed
merged into one type), Mutation and Subscription, built into one schema by :func:`build_schema`."""

from __future__ import annotations

import dataclasses
import datetime as dt

import strawberry
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.tools import merge_types

from cobuild.limits import QueryLimits
from cobuild.schema.entities import EntityQuery
from cobuild.schema.errors import ErrorCodes
from cobuild.schema.feed import FeedQuery
from cobuild.schema.filters import bi
from cobuild.schema.live import Subscription
from cobuild.schema.mutations import Mutation
from cobuild.schema.questions.query import QuestionQuery
from cobuild.schema.search import SearchQuery

_ROOTS = tuple(t for t in (EntityQuery, QuestionQuery, SearchQuery, FeedQuery) if getattr(t, "__strawberry_definition__").fields)
Query = merge_types("Query", _ROOTS)
Query.__strawberry_definition__.description = bi(
    "查询入口:实体(按编号、分页列表)、网络问题(Q1–Q44)、搜索与变更流",
    "Queries: entities (by id and as paged lists), the network questions (Q1–Q44), search and the change feed")

# Date and DateTime as Strawberry serialises them (ISO 8601), described in both languages.
SCALARS = {
    dt.date: dataclasses.replace(DateDefinition, description=bi("日期(ISO 8601,如 2024-03-01)", "Date (ISO 8601, e.g. 2024-03-01)")),
    dt.datetime: dataclasses.replace(DateTimeDefinition, description=bi(
        "日期时间(ISO 8601,UTC,如 2024-03-01T08:00:00+00:00)", "Date and time (ISO 8601, UTC, e.g. 2024-03-01T08:00:00+00:00)")),
}


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=[ErrorCodes, QueryLimits],
                             scalar_overrides=SCALARS)
