"""The read-only Cypher console: ``cobuild cypher`` and ``POST /admin/cypher`` (issue 13, part 3).

:mod:`policy` decides what a statement may do (tokens, roles), :mod:`run` sends it through the engine's
read-only entry point and maps errors to codes, :mod:`values` turns the store's values into JSON and
renders them (table, CSV, JSON), :mod:`http` is the endpoint and :mod:`cli` the command.
"""
