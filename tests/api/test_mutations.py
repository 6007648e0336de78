"""Curator mutations through the real app: roles, validation, audit stamps, and the seed import keeping edits."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from importers.errors import SeedValidationError
from importers.seed import import_seed, read_dataset
from kg.core.apikeys import Role, new_key
from kg.core.connection import Neo4jConnection
from kg.core.database import Database
from tests.api.conftest import app_factory

SMALL = Path(__file__).resolve().parents[1] / "fixtures" / "seed_small"
KEYS = {role: new_key(f"{role.name.lower()}-bot", role) for role in Role}


def headers(role: Role | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[role][0]}"} if role else {}


@pytest.fixture
def make_client(
    db: Database, neo4j_connection: Neo4jConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., TestClient]]:
    import_seed(db, data_dir=SMALL / "data", documents_dir=SMALL / "docs")
    monkeypatch.setenv("KG_API_KEYS", "[" + ", ".join(f'"{entry}"' for _, entry in KEYS.values()) + "]")
    with app_factory(monkeypatch, neo4j_connection, tmp_path) as make:
        yield make


def call(client: TestClient, query: str, role: Role | None = None, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers(role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


UPDATE = "mutation ($id: ID!, $p: JSON!) { updateNode(id: $id, properties: $p) { id changedBy changed } }"
DELETE = "mutation ($id: ID!) { deleteNode(id: $id) { changed } }"


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


def test_denials_change_nothing_and_send_no_cypher(
    make_client: Callable[..., TestClient], driver: Driver, statements: list[str]
) -> None:
    client = make_client()
    statements.clear()
    assert code(call(client, UPDATE, None, id="City:lyon", p={"population": 1})) == "UNAUTHENTICATED"
    assert code(call(client, UPDATE, Role.READER, id="City:lyon", p={"population": 1})) == "FORBIDDEN"
    assert code(call(client, DELETE, Role.CURATOR, id="City:lyon")) == "FORBIDDEN"
    bad_key = client.post(
        "/graphql", json={"query": "{ kbVersion }"}, headers={"Authorization": "Bearer nope"}
    )
    assert code(bad_key.json()) == "UNAUTHENTICATED"
    assert statements == []
    assert (
        driver.execute_query("MATCH (c:City {uid: 'lyon'}) RETURN c.population AS p").records[0]["p"] is None
    )


def test_curator_changes_are_stamped_with_who_and_when(
    make_client: Callable[..., TestClient], driver: Driver
) -> None:
    client = make_client()
    created = call(
        client,
        'mutation ($p: JSON!) { createNode(label: "City", uid: "graz", properties: $p) { id changedBy } }',
        Role.CURATOR,
        p={"name": "Graz", "country": "AT", "population": 291072},
    )
    assert created["data"]["createNode"] == {"id": "City:graz", "changedBy": "curator-bot"}
    linked = call(
        client,
        'mutation { link(from: "City:graz", type: "PARTICIPATES_IN", to: "Project:smarter-together", properties: {role: "observer", roleLabel: "observer city"}, note: "Graz joined as an observer (council minutes, 2026-11-30)") { changed } }',
        Role.CURATOR,
    )
    assert linked["data"]["link"]["changed"] is True
    updated = call(
        client, UPDATE, Role.CURATOR, id="City:lyon", p={"population": 522250, "aliases": ["Lyons"]}
    )
    assert updated["data"]["updateNode"] == {"id": "City:lyon", "changedBy": "curator-bot", "changed": True}
    record = driver.execute_query(
        "MATCH (c:City {uid: 'lyon'}) RETURN c.population AS p, c.aliases AS a, c.updated_by AS by, "
        "c.updated_at IS NOT NULL AS stamped, c.curated_fields AS curated"
    ).records[0]
    assert (record["p"], record["a"], record["by"], record["stamped"]) == (
        522250,
        ["Lyons"],
        "curator-bot",
        True,
    )
    assert sorted(record["curated"]) == ["aliases", "population"]
    role = driver.execute_query(
        "MATCH (:City {uid: 'graz'})-[r:PARTICIPATES_IN]->(:Project {uid: 'smarter-together'}) RETURN r.role AS role, r.updated_by AS by"
    ).records[0]
    assert (role["role"], role["by"]) == ("observer", "curator-bot")
    unlinked = call(
        client,
        'mutation { unlink(from: "City:graz", type: "PARTICIPATES_IN", to: "Project:smarter-together") { changed } }',
        Role.CURATOR,
    )
    assert unlinked["data"]["unlink"]["changed"] is True
    deleted = call(client, DELETE, Role.ADMIN, id="City:graz")
    assert deleted["data"]["deleteNode"]["changed"] is True
    assert driver.execute_query("MATCH (c:City {uid: 'graz'}) RETURN count(c) AS n").records[0]["n"] == 0


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"mayor": "x"}, "'mayor' is not a property a curator can set"),
        ({"population": "many"}, "properties.population: Input should be a valid integer"),
        ({"uid": "other"}, "'uid' is not a property a curator can set"),
    ],
)
def test_invalid_changes_are_clear_errors(
    make_client: Callable[..., TestClient], properties: dict[str, Any], message: str
) -> None:
    body = call(make_client(), UPDATE, Role.CURATOR, id="City:lyon", p=properties)
    assert code(body) == "BAD_USER_INPUT"
    assert message in body["errors"][0]["message"]


def test_relationships_must_fit_the_model(make_client: Callable[..., TestClient]) -> None:
    body = call(
        make_client(),
        'mutation { link(from: "City:lyon", type: "ADDRESSES", to: "City:munich") { changed } }',
        Role.CURATOR,
    )
    assert (
        code(body) == "BAD_USER_INPUT"
        and "ADDRESSES cannot link City to City" in body["errors"][0]["message"]
    )


def test_reads_can_be_key_gated(make_client: Callable[..., TestClient]) -> None:
    client = make_client(KG_API_READS_OPEN="false")
    assert code(call(client, "{ cities { totalCount } }")) == "UNAUTHENTICATED"
    assert call(client, "{ cities { totalCount } }", Role.READER)["data"]["cities"]["totalCount"] == 4


def test_seed_reimport_keeps_a_curators_edit_and_reports_it(
    make_client: Callable[..., TestClient], db: Database, driver: Driver
) -> None:
    client = make_client()
    call(client, UPDATE, Role.CURATOR, id="City:munich", p={"population": 1512491})
    report = import_seed(db, data_dir=SMALL / "data", documents_dir=SMALL / "docs")
    assert report.conflicts == ["City:munich.population"]
    population = driver.execute_query("MATCH (c:City {uid: 'munich'}) RETURN c.population AS p").records[0][
        "p"
    ]
    assert population == 1512491


def test_a_value_the_importer_rejects_is_rejected_for_the_same_reason(
    make_client: Callable[..., TestClient], driver: Driver, tmp_path: Path
) -> None:
    body = call(
        make_client(),
        UPDATE,
        Role.CURATOR,
        id="Challenge:tender-and-procurement-rules",
        p={"category": "nonsense"},
    )
    assert code(body) == "BAD_USER_INPUT"
    api_reason = body["errors"][0]["message"].split("properties.category: ", 1)[1]
    # The importer, given the same value in a seed file, gives the same field-level reason.
    broken = tmp_path / "seed"
    shutil.copytree(SMALL, broken)
    path = broken / "data" / "a.yaml"
    path.write_text(path.read_text().replace("props: {category: regulatory}", "props: {category: nonsense}"))
    with pytest.raises(SeedValidationError) as raised:
        read_dataset(broken / "data")
    assert str(raised.value).split("props.category: ", 1)[1] == api_reason
    assert api_reason.startswith("Input should be 'regulatory', 'financial'")
    stored = driver.execute_query(
        "MATCH (c:Challenge {uid: 'tender-and-procurement-rules'}) RETURN c.category AS category"
    ).records[0]["category"]
    assert stored == "regulatory"


LINK = (
    'mutation ($note: String, $source: String, $quote: String) { link(from: "City:sofia", type: "FACES", '
    'to: "Challenge:low-resident-interest-in-e-mobility", note: $note, sourceId: $source, quote: $quote) '
    "{ changed } }"
)
READ_FACES = (
    "MATCH (:City {uid: 'sofia'})-[r:FACES]->(:Challenge {uid: 'low-resident-interest-in-e-mobility'}) "
    "RETURN r.source_ids AS ids, r.quotes AS quotes, r.note AS note, r.updated_by AS by, r.curated AS curated"
)


def test_a_curator_link_without_provenance_is_refused(
    make_client: Callable[..., TestClient], driver: Driver, statements: list[str]
) -> None:
    client = make_client()
    statements.clear()
    refused = call(client, LINK, Role.CURATOR)
    assert code(refused) == "BAD_USER_INPUT" and "needs provenance" in refused["errors"][0]["message"]
    no_quote = call(client, LINK, Role.CURATOR, source="doc-b")
    assert code(no_quote) == "BAD_USER_INPUT" and "quote" in no_quote["errors"][0]["message"]
    assert statements == []
    assert driver.execute_query(READ_FACES).records == []


def test_a_curator_link_carries_the_curator_and_its_provenance(
    make_client: Callable[..., TestClient], driver: Driver
) -> None:
    client = make_client()
    noted = call(client, LINK, Role.CURATOR, note="Sofia's e-mobility plan, 2026, names this barrier")
    assert noted["data"]["link"]["changed"] is True
    record = driver.execute_query(READ_FACES).records[0]
    assert (record["ids"], record["quotes"], record["by"], record["curated"]) == ([], [], "curator-bot", True)
    assert record["note"] == "Sofia's e-mobility plan, 2026, names this barrier"
    sourced = call(
        client, LINK, Role.CURATOR, source="doc-b", quote="low interest of residents in e-mobility"
    )
    assert sourced["data"]["link"]["changed"] is True
    record = driver.execute_query(READ_FACES).records[0]
    assert (record["ids"], record["quotes"]) == (["doc-b"], ["low interest of residents in e-mobility"])
    missing = call(client, LINK, Role.CURATOR, source="no-such-doc", quote="a quote")
    assert code(missing) == "NOT_FOUND"


def test_every_curator_write_changes_the_knowledge_base_version(
    make_client: Callable[..., TestClient], driver: Driver
) -> None:
    client = make_client()

    def version() -> str:
        return str(call(client, "{ kbVersion }", Role.READER)["data"]["kbVersion"])

    first = version()
    call(client, UPDATE, Role.CURATOR, id="City:lyon", p={"population": 522250})
    second = version()
    call(client, UPDATE, Role.CURATOR, id="City:lyon", p={"population": 522251})
    third = version()
    assert len({first, second, third}) == 3 and second.startswith(first)
    refused = call(client, UPDATE, Role.CURATOR, id="City:lyon", p={"population": "many"})
    assert code(refused) == "BAD_USER_INPUT" and version() == third  # nothing written, nothing bumped
