"""Write the GraphQL schema to schema/schema.graphql:  python -m api.graphql.export

tests/api/test_graphql.py fails when the file is stale, so a schema change comes with its SDL diff.
"""

from __future__ import annotations

from pathlib import Path

from api.graphql.schema import sdl

SDL_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def main() -> None:
    SDL_FILE.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_FILE}")


if __name__ == "__main__":
    main()
