"""kg's HTML pages, rendered from Jinja2 templates with autoescaping on: every name, quote and label reaches the
page as text. Pages carry no inline script; the scripts they load read what they need from data- attributes."""

from __future__ import annotations

import functools
import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from kg.views.i18n import LANGUAGES, words


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("kg.views", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, lang: str, token: str = "", **context: Any) -> str:
    """``template`` in ``lang``; ``token`` (a view token) is handed to the page's scripts and links."""
    vocabulary = words(lang)
    return (
        _environment()
        .get_template(template)
        .render(
            lang=lang,
            languages=LANGUAGES,
            t=vocabulary,
            words_json=json.dumps(vocabulary, ensure_ascii=False),
            token=token,
            token_query=f"&token={token}" if token else "",
            **context,
        )
    )
