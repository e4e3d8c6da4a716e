"""Result types of the network questions of domain.md §3, one module per question family (the same
names as :mod:`cobuild.resolvers.questions`, which owns each question's checks, statement, shaping
and root resolver), and :mod:`~cobuild.schema.questions.query`, the root type that binds each field
name and description to its resolver.

The entity-typed parts of an answer (``unit``, ``community``, ``demand`` …) are the generated entity
types of :mod:`cobuild.schema.entities`, and their nested selections compile into the question's one
statement. Lighter references (the areas a pairing goes through, a street, a category, a path
step's ends) are :class:`~cobuild.schema.refs.NodeRef` values: id, label, name, level; ``via`` is
always a list of them.
"""
