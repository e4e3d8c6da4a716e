"""Live subscriptions (issue 12 part 1): ``demandBoard`` and ``changes`` over WebSocket.

* :mod:`cobuild.live.events` — a change-feed event as the live layer sees it, and who gets it.
* :mod:`cobuild.live.hub` — one reader of the change feed per process (per app), shared by every
  subscription of that process: woken at once by commits made in the process, polling by cursor
  for commits made by other processes.
* :mod:`cobuild.live.batch` — the one statement that fetches the records of an event batch.
* :mod:`cobuild.live.follow` — a subscription: replay from a cursor, then follow the hub.
* :mod:`cobuild.live.protocol` — ``graphql-transport-ws`` on ``/graphql``: authentication on
  ``connection_init``, limits, keep-alive, close codes.

How events travel and what a disconnected subscriber misses: docs/live.md.
"""
