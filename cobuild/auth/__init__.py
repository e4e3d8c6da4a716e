"""Who is asking: API keys, bearer JWTs and the :class:`Principal` they become (issue #4).

A request carries at most one credential (``Authorization: Bearer <jwt>`` or ``X-API-Key``); the
middleware (:mod:`cobuild.middleware`) turns it into a :class:`Principal` on ``request.state`` and
the GraphQL context (``info.context.viewer``). No credential → the anonymous read-only principal,
unless ``COBUILD_ANONYMOUS=off``.
"""

from cobuild.auth.principal import ANONYMOUS, ROLES, Principal

__all__ = ["ANONYMOUS", "ROLES", "Principal"]
