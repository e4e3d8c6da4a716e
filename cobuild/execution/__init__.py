"""Compiled execution of read-only queries (issue 11 part 1): see docs/execution.md.

A query whose every root field can be answered this way runs on a cached :class:`~.plan.Plan`:
the document is parsed, validated and measured against the limits once per plan; a repeated
request binds its variables, calls each root field's own resolver (which sends the field's one
graph statement, with the principal's read scope compiled in) and turns the objects it returns
into JSON with projectors generated once per plan (:mod:`.project`) — no graphql-core field
resolution or completion below the root — then serialises with orjson. Whatever a plan cannot
express, and any error during a compiled run, goes to Strawberry's executor (:mod:`.run`).
"""

from cobuild.execution.run import CompiledExecutor

__all__ = ["CompiledExecutor"]
