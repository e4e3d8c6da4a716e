"""Running a request on its plan, or handing it to Strawberry.

:meth:`CompiledExecutor.execute` is called by the GraphQL view after the HTTP checks (method, media
type, persisted documents, operation choice) and inside the request timeout; authentication, rate
limits, ``X-Request-Id``, metrics and tracing of the request happen around it in the middleware, and
admission control and statement metrics inside the engine — the same code as on Strawberry's path.
It answers ``None`` when Strawberry must answer: no plan for the operation, variables that do not
coerce, a page size from a variable that the limits refuse, or any error or non-null violation
while the plan runs (a read-only query is safe to run again; the count of such fallbacks is kept in
``stats`` and per plan, and logged).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import Counter
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLNonNull, located_error
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path
from graphql.type import GraphQLResolveInfo
from starlette.responses import Response

from cobuild.execution.collect import NotCompilable
from cobuild.execution.plan import NoPlan, Plan, PlanCache, RootField, build, document_hash, measure_with, scope_shape
from cobuild.execution.project import Fallback, Runtime
from cobuild.http.media import answer
from cobuild.limits import Limits
from cobuild.schema.errors import classify

log = logging.getLogger("cobuild.execution")


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class CompiledExecutor:
    def __init__(self, schema: Any, settings: Any) -> None:
        self.schema = schema
        self.settings = settings
        self.cache = PlanCache()
        self.stats: Counter[str] = Counter()  # compiled / fallback:<reason> / no-plan

    def plan_for(self, query: str, operation_name: str | None, principal: Any) -> Plan | NoPlan:
        key = (document_hash(query), operation_name, scope_shape(principal))
        found = self.cache.get(key)
        if found is None:
            limits = Limits.from_settings(self.settings)
            found = build(self.schema, query, operation_name, limits, measure_with(self.schema, limits, operation_name))
            self.cache.put(key, found)
            if isinstance(found, NoPlan):
                log.debug("no plan for operation %s: %s", operation_name, found.reason)
        return found

    async def execute(self, view: Any, request: Any, query: str, params: Any, media: str) -> Response | None:
        state = request.scope.setdefault("state", {})
        principal = state.get("principal")
        if self.settings.persisted_only and not state.get("persisted_document"):
            return None  # the allow-list is checked by QueryLimits on every request
        plan = self.plan_for(query, params.operation_name, principal)
        if isinstance(plan, NoPlan):
            self.stats["no-plan"] += 1
            return None
        gql = self.schema._schema
        raw = params.variables if params.variables is not None else {}
        if not isinstance(raw, dict):
            return None
        variables = get_variable_values(gql, plan.operation.variable_definitions or (), raw)
        if isinstance(variables, list):  # coercion errors: Strawberry reports them
            self._fallback(plan, "variables")
            return None
        if plan.limits_per_request:
            limits = Limits.from_settings(self.settings)
            if measure_with(self.schema, limits, params.operation_name)(plan.document, variables.coerced) is not None:
                self._fallback(plan, "limits")
                return None
        sub_response = await view.get_sub_response(request)
        context = await view.get_context(request, sub_response)
        rt = Runtime(context, variables)
        try:
            if len(plan.roots) == 1:
                results: list[Any] = [await self._settle(plan, plan.roots[0], rt)]
            else:  # concurrently, as graphql-core runs a query's root fields
                results = await asyncio.gather(*(self._settle(plan, r, rt) for r in plan.roots), return_exceptions=True)
            broken = next((r for r in results if isinstance(r, BaseException)), None)
            if broken is not None:
                raise broken
            failed = [(root, r.error) for root, r in zip(plan.roots, results) if isinstance(r, _Failed)]
            if len(failed) > 1:  # which one graphql-core reports first is a race: let it run the race
                raise Fallback("several root fields failed")
            if failed:
                return self._error_answer(plan, failed[0][0], failed[0][1], results, context, sub_response, state, media)
            body = orjson.dumps({"data": {r.key: v for r, v in zip(plan.roots, results)}})
        except asyncio.CancelledError:
            raise
        except (Fallback, NotCompilable) as exc:
            self._fallback(plan, f"{type(exc).__name__}:{exc}", exc)
            return None
        except Exception as exc:  # noqa: BLE001 - Strawberry answers with the error's code, path and partial data
            self._fallback(plan, f"error:{type(exc).__name__}", exc)
            return None
        plan.stats["runs"] += 1
        self.stats["compiled"] += 1
        state["graphql_operation"] = plan.operation_label
        return answer(body, sub_response, media)

    async def _settle(self, plan: Plan, root: RootField, rt: Runtime) -> Any:
        """The root field's JSON value, or :class:`_Failed` when its resolver raised (its error is the
        field's error); projection problems raise (:class:`Fallback`)."""
        try:
            value = await self._resolve(plan, root, rt)
        except (Fallback, NotCompilable, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - classified like ErrorCodes does
            return _Failed(exc)
        return root.complete(value, rt)

    async def _resolve(self, plan: Plan, root: RootField, rt: Runtime) -> Any:
        """What the root field's resolver returns (it sends the field's one statement)."""
        fdef = root.definition
        if fdef is None:
            return None
        gql = self.schema._schema
        info = GraphQLResolveInfo(
            root.name, root.nodes, fdef.type, gql.query_type, Path(None, root.key, gql.query_type.name), gql,
            plan.fragments, None, plan.operation, rt.variables, rt.context, inspect.isawaitable, None, None)
        args = dict(root.fixed_args) if root.fixed_args is not None else get_argument_values(fdef, root.nodes[0], rt.variables)
        value = fdef.resolve(None, info, **args)
        if inspect.isawaitable(value):
            value = await value
        return value

    def _error_answer(self, plan: Plan, root: RootField, exc: Exception, results: list[Any], context: Any,
                      sub_response: Any, state: dict[str, Any], media: str) -> Response:
        """One root field failed: its error located at it and classified as ``ErrorCodes`` does; ``data``
        null when that field is non-null (spec: null propagates to the root), else that key null beside
        the other root fields' values."""
        error = classify(located_error(exc, root.nodes, [root.key]), getattr(context, "request_id", "") or "")
        if isinstance(root.definition.type, GraphQLNonNull):  # type: ignore[union-attr]
            data = None
        else:
            data = {r.key: (None if r is root else v) for r, v in zip(plan.roots, results)}
        plan.stats["runs"] += 1
        self.stats["compiled-error"] += 1
        state["graphql_operation"] = plan.operation_label
        return answer(orjson.dumps({"data": data, "errors": [error.formatted]}), sub_response, media)

    def _fallback(self, plan: Plan, reason: str, exc: BaseException | None = None) -> None:
        plan.stats["fallbacks"] += 1
        self.stats[f"fallback:{reason}"] += 1
        if exc is not None and not isinstance(exc, (GraphQLError,)):
            log.debug("compiled run of %s fell back to Strawberry (%s: %s)", plan.operation_label.get("name"), reason, exc)
