"""The one place that chooses how kg obtains Neo4j, and remembers the choice under ``KG_HOME``.

Order: ``KG_NEO4J_PROVISIONER`` when it is not ``auto``; else ``NEO4J_URI`` (an external server); else the choice
remembered in ``KG_HOME/provider.json`` by the first ``kg db start``; else Docker when an engine answers, else the
local community server. Remembering matters: a Docker engine installed later must not silently point a user at
another, empty database. ``KG_NEO4J_PROVISIONER=docker kg db start`` (or ``local``) changes the remembered choice.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kg.core.connection import Neo4jConnection
from kg.core.settings import Provisioner, Settings
from kg.provisioning.base import Notify, Provider, StartResult, quiet
from kg.provisioning.docker import DockerNeo4jServer
from kg.provisioning.external import ExternalNeo4jServer
from kg.provisioning.local import LocalNeo4jServer
from kg.provisioning.tools import docker_engine_available

CHOICE_FILE = "provider.json"
REMEMBERED = frozenset({Provisioner.DOCKER, Provisioner.LOCAL})


def _choice_file(settings: Settings) -> Path:
    return settings.home.resolve() / CHOICE_FILE


def remembered_choice(settings: Settings) -> Provisioner | None:
    path = _choice_file(settings)
    if not path.is_file():
        return None
    try:
        chosen = Provisioner(json.loads(path.read_text(encoding="utf-8"))["provider"])
    except (ValueError, KeyError, TypeError):
        return None
    return chosen if chosen in REMEMBERED else None


def remember_choice(settings: Settings, kind: Provisioner) -> None:
    if kind not in REMEMBERED or remembered_choice(settings) is kind:
        return
    path = _choice_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"provider": kind.value, "chosen_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")


def choose_provisioner(settings: Settings) -> Provisioner:
    if settings.provisioner is not Provisioner.AUTO:
        return settings.provisioner
    if settings.neo4j_uri:
        return Provisioner.EXTERNAL
    remembered = remembered_choice(settings)
    if remembered is not None:
        return remembered
    return Provisioner.DOCKER if docker_engine_available() else Provisioner.LOCAL


def provider_for(settings: Settings, notify: Notify = quiet) -> Provider:
    """The provider kg uses now (nothing is started)."""
    kind = choose_provisioner(settings)
    if kind is Provisioner.EXTERNAL:
        return ExternalNeo4jServer.from_settings(settings)
    if kind is Provisioner.DOCKER:
        return DockerNeo4jServer.from_settings(settings)
    return LocalNeo4jServer.from_settings(settings, notify)


def current_connection(settings: Settings) -> Neo4jConnection:
    """The connection kg should use now, without starting anything."""
    return provider_for(settings).connection()


def provision(settings: Settings, notify: Notify = quiet) -> StartResult:
    """Make a Neo4j server available (start it if needed), remember the choice, and say how to reach it."""
    provider = provider_for(settings, notify)
    result = provider.start()
    remember_choice(settings, provider.kind)
    return result
