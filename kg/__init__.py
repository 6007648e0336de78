"""kg: a graph knowledge base of European smart cities, built for replicating lighthouse solutions."""

from __future__ import annotations

__version__ = "0.1.0"
