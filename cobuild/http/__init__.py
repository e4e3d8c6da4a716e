"""GraphQL over HTTP as browsers and GraphQL clients speak it.

``view`` answers ``/graphql`` (GET and POST per the GraphQL-over-HTTP spec, media types and status
codes, GraphiQL for browsers), ``body`` reads a request strictly (UTF-8, JSON, valid Unicode),
``persisted`` resolves automatic persisted queries and persisted document ids, ``cors`` answers
cross-origin browsers from an allow-list, ``media`` negotiates the response type.
"""
