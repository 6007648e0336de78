"""`kg api-key`: make an API key for the GraphQL API."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.common import console, friendly_errors, out
from kg.core.apikeys import Role, new_key
from kg.core.errors import InvalidInputError


@friendly_errors
def api_key(
    name: Annotated[str, typer.Option(help="Who or what uses the key (recorded on every change it makes).")],
    role: Annotated[str, typer.Option(help="reader, curator or admin.")] = "reader",
) -> None:
    """Create an API key: prints the key once, and the KG_API_KEYS entry (a hash) to add to the settings."""
    try:
        chosen = Role[role.upper()]
    except KeyError as error:
        raise InvalidInputError(f"unknown role {role!r}: reader, curator or admin") from error
    if ":" in name or not name.strip():
        raise InvalidInputError("a key name cannot be empty or contain ':'")
    key, entry = new_key(name, chosen)
    console.print("The key (shown once; send it as 'Authorization: Bearer <key>'):")
    out.print(key, highlight=False)
    console.print("Add this entry to KG_API_KEYS (a JSON list), e.g. KG_API_KEYS='[\"...\"]':")
    out.print(entry, highlight=False)
