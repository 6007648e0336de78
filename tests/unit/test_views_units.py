"""The views' pieces that need no server: the language choice, view tokens, the page templates' escaping, the
asset manifest, the settings production refuses, and the examples in their docstrings."""

from __future__ import annotations

import doctest
import types

import neo4j.time
import pytest
from typer.testing import CliRunner

import kg.core.viewtokens
import kg.export.request
import kg.views.i18n
import queries.browse
from kg.cli import app
from kg.core.errors import ConfigurationError
from kg.core.settings import Settings
from kg.core.viewtokens import make_view_token, verify_view_token
from kg.views import assets, feeds, pages
from kg.views.i18n import LANGUAGES, choose_language, words


@pytest.mark.parametrize("module", [kg.views.i18n, kg.core.viewtokens, kg.export.request, queries.browse])
def test_docstring_examples_run(module: types.ModuleType) -> None:
    results = doctest.testmod(module)
    assert results.attempted > 0 and results.failed == 0


@pytest.mark.parametrize(
    ("asked", "header", "chosen"),
    [
        ("de", "fr", "de"),
        (None, "fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        (None, "es, de;q=0.5", "de"),
        ("xx", "ja", "en"),
        (None, "q=;;,,," * 200, "en"),
    ],
)
def test_the_language_is_asked_for_then_the_browsers(asked: str | None, header: str, chosen: str) -> None:
    assert choose_language(asked, header) == chosen


def test_every_language_has_every_word() -> None:
    keys = [set(words(language)) for language in LANGUAGES]
    assert all(k == keys[0] for k in keys)
    assert words("de")["counts"] == "Die Wissensbasis"


def test_view_tokens_are_signed_expiring_and_bounded() -> None:
    token = make_view_token("a" * 40, ttl_s=60, now=0)
    assert verify_view_token("a" * 40, token, now=59)
    assert not verify_view_token("a" * 40, token, now=61)
    assert not verify_view_token("b" * 40, token, now=1)
    forged = token.rsplit(".", 1)[0].replace(".60.", ".9999999.") + "." + token.rsplit(".", 1)[1]
    assert not verify_view_token("a" * 40, forged, now=1)
    assert not verify_view_token("a" * 40, "kgv1." + "9" * 5000, now=1)


def test_a_token_that_is_not_ascii_is_refused_not_a_crash() -> None:
    assert not verify_view_token("a" * 40, "kgv1.1.a.\u00e9")
    assert not verify_view_token("a" * 40, "kgv1.\u0661\u0662.a.b")  # Arabic-Indic digits pass isdigit()


def test_feeds_turn_driver_dates_into_iso_text() -> None:
    assert feeds._plain(neo4j.time.Date(2019, 5, 2)) == "2019-05-02"
    assert feeds._plain([neo4j.time.Date(2019, 5, 2)]) == ["2019-05-02"]


def test_a_source_url_is_a_link_only_when_it_is_http() -> None:
    def page(url: str) -> str:
        source = {"source": {"name": "S", "url": url}, "nodes": [], "relationships": []}
        return pages.render("source.html", "en", title="S", source=source)

    assert 'href="javascript' not in page("javascript:alert(1)") and "javascript:alert(1)" in page(
        "javascript:alert(1)"
    )
    assert 'href="https://example.org/d.pdf"' in page("https://example.org/d.pdf")


def test_production_refuses_the_default_view_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_ENV", "production")
    with pytest.raises(ConfigurationError, match="KG_VIEW_TOKEN_SECRET"):
        Settings()
    monkeypatch.setenv("KG_VIEW_TOKEN_SECRET", "x" * 40)
    assert Settings().view_token_secret.get_secret_value() == "x" * 40


def test_templates_escape_every_text() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    html = pages.render("view.html", "en", heading=hostile, subject=hostile, feed="/x", title=hostile)
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in html and "onerror=alert" not in html.replace(
        "&lt;img src=x onerror=alert(1)&gt;", ""
    )


def test_every_vendored_asset_is_installed() -> None:
    assert assets.missing() == [], "run `make install` (npm ci --prefix web, then python -m kg.views.assets)"


def test_kg_api_key_view_prints_a_token_the_app_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_VIEW_TOKEN_SECRET", "t" * 40)
    result = CliRunner().invoke(app, ["api-key", "--view", "--days", "2"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert verify_view_token("t" * 40, token) and not verify_view_token("u" * 40, token)
    assert CliRunner().invoke(app, ["api-key"]).exit_code == 2  # neither --name nor --view
    monkeypatch.delenv("KG_VIEW_TOKEN_SECRET")
    public = CliRunner().invoke(app, ["api-key", "--view"])
    assert public.exit_code == 2 and "KG_VIEW_TOKEN_SECRET" in public.output
