"""Browser pages cobuild serves itself, offline: GraphiQL at ``/graphql`` (and later the network
explorer). Third-party code comes from the npm registry into ``web/node_modules`` by the project's
own set-up (``make web``, run by ``make serve`` and ``make test``) and is served from
``/static/vendor/…``; cobuild's own page code lives here (``templates/``, ``static/``)."""
