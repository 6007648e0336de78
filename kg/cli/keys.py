"""`kg api-key`: make an API key for the GraphQL API."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.common import console, friendly_errors, load_settings, out
from kg.core.apikeys import Role, new_key
from kg.core.errors import ConfigurationError, InvalidInputError
from kg.core.settings import DEFAULT_VIEW_SECRET
from kg.core.viewtokens import make_view_token


@friendly_errors
def api_key(
    name: Annotated[
        str | None, typer.Option(help="Who or what uses the key (recorded on every change it makes).")
    ] = None,
    role: Annotated[str, typer.Option(help="reader, curator or admin.")] = "reader",
    view: Annotated[
        bool, typer.Option("--view", help="A view token instead: read-only, views only, for an iframe's URL.")
    ] = False,
    days: Annotated[
        int, typer.Option(min=1, max=366, help="With --view: days until the token expires.")
    ] = 30,
) -> None:
    """Create an API key: prints the key once, and the KG_API_KEYS entry (a hash) to add to the settings.

    With --view, a view token signed with KG_VIEW_TOKEN_SECRET: append ?token=... to a view's URL (an iframe
    cannot send headers). It reads the views and their feeds only, and expires.

    Examples:
      kg api-key --name dashboard-bot --role reader
      kg api-key --view --days 7
    """
    if view:
        secret = load_settings().view_token_secret.get_secret_value()
        if secret == DEFAULT_VIEW_SECRET:
            raise ConfigurationError(
                "view tokens need a secret of your own: set KG_VIEW_TOKEN_SECRET (32+ random characters) for "
                "every worker (the default is public, so the app refuses tokens signed with it)"
            )
        token = make_view_token(secret, ttl_s=days * 86_400)
        console.print(f"A view token, valid {days} days (append ?token=<token> to a view's URL):")
        out.print(token, highlight=False)
        return
    if name is None:
        raise InvalidInputError("name the key: --name WHO (or --view for a view token)")
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
