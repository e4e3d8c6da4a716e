"""The analyst kit for Neo4j Browser: Cypher cookbook, guide and style sheet (see kit.py, docs/analysts.md)."""
