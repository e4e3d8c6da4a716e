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
from cobuild.limits import Limits
from cobuild.schema.errors import classify

log = logging.getLogger("cobuild.execution")


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
                root = plan.roots[0]
                try:
                    value = await self._resolve(plan, root, rt)
                except (Fallback, NotCompilable):
                    raise
                except Exception as exc:  # noqa: BLE001 - the field's error, as Strawberry reports it
                    return self._error_answer(plan, root, exc, context, sub_response, state, media)
                values = [root.complete(value, rt)]
            else:
                results = await asyncio.gather(*(self._root(plan, r, rt) for r in plan.roots), return_exceptions=True)
                failed = next((r for r in results if isinstance(r, BaseException)), None)
                if failed is not None:
                    raise failed
                values = results
            body = orjson.dumps({"data": {r.key: v for r, v in zip(plan.roots, values)}})
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
        return self._response(body, sub_response, media)

    async def _root(self, plan: Plan, root: RootField, rt: Runtime) -> Any:
        return root.complete(await self._resolve(plan, root, rt), rt)

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

    def _error_answer(self, plan: Plan, root: RootField, exc: Exception, context: Any, sub_response: Any,
                      state: dict[str, Any], media: str) -> Response:
        """The only root field failed: the error located at it and classified as ``ErrorCodes`` does,
        ``data`` null when the field is non-null (spec: null propagates to the root), else the key null."""
        error = classify(located_error(exc, root.nodes, [root.key]), getattr(context, "request_id", "") or "")
        data = None if isinstance(root.definition.type, GraphQLNonNull) else {root.key: None}  # type: ignore[union-attr]
        plan.stats["runs"] += 1
        self.stats["compiled-error"] += 1
        state["graphql_operation"] = plan.operation_label
        return self._response(orjson.dumps({"data": data, "errors": [error.formatted]}), sub_response, media)

    @staticmethod
    def _response(body: bytes, sub_response: Any, media: str) -> Response:
        response = Response(body, status_code=200, media_type=media)
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    def _fallback(self, plan: Plan, reason: str, exc: BaseException | None = None) -> None:
        plan.stats["fallbacks"] += 1
        self.stats[f"fallback:{reason}"] += 1
        if exc is not None and not isinstance(exc, (GraphQLError,)):
            log.debug("compiled run of %s fell back to Strawberry (%s: %s)", plan.operation_label.get("name"), reason, exc)
