"""Name conversions between Python / Neo4j property names (snake_case) and labels or GraphQL names (camelCase)."""

from __future__ import annotations

from functools import cache


@cache  # the model's names only: a bounded set, converted on every field of every answer
def snake_case(name: str) -> str:
    """``ThematicField`` -> ``thematic_field``; ``populationYear`` -> ``population_year``."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def camel_case(name: str) -> str:
    """``population_year`` -> ``populationYear``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
