"""Strawberry types: the GraphQL schema's object, input and enum types, and the root types whose
fields bind a name and a description to a resolver of :mod:`cobuild.resolvers`. The schema itself is
built by :func:`cobuild.schema.root.build_schema`.

This package imports nothing, so a resolver can import the result types it builds without running
the root types that import it back.
"""
