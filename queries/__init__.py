"""Named Cypher queries, each a ``Final[LiteralString]`` constant with a typed Python wrapper."""
