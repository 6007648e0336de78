"""The real seed knowledge base, loaded once: every label populated, provenance everywhere, facts from each document."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from importers.seed import passage_names
from kg.core.database import Database
from queries.system import count_nodes_by_label
from schema import LABELS
from tests.seeding import seeded


@pytest.fixture(scope="module")
def kb(session_db: Database, session_driver: Driver) -> Driver:
    seeded(session_db, "seed")
    return session_driver


def one(driver: Driver, query: str, **params: Any) -> Any:
    records = driver.execute_query(query, **params).records
    assert len(records) == 1, f"expected one row, got {len(records)}"
    return records[0]


def role_of(driver: Driver, city: str, project: str) -> tuple[str, str]:
    record = one(
        driver,
        "MATCH (:City {uid: $city})-[r:PARTICIPATES_IN]->(:Project {uid: $project}) RETURN r.role AS role, r.role_label AS label",
        city=city,
        project=project,
    )
    return record["role"], record["label"]


# Labels only other sources give: a StatusReport is one period of a Common Reporting table, and none of the five
# seed documents is one (tests/integration/test_common_reporting.py loads the example).
NOT_IN_THE_SEED = {"StatusReport"}


def test_every_label_is_populated(kb: Driver) -> None:
    counts = count_nodes_by_label(Database(kb))
    assert {label for label in LABELS if counts.get(label, 0) == 0} == NOT_IN_THE_SEED
    assert counts["Source"] == 5


def test_no_node_or_relationship_lacks_a_source(kb: Driver) -> None:
    assert (
        kb.execute_query(
            "MATCH (n) WHERE NOT n:Source AND NOT n:KGMeta AND NOT n:ImportRun AND NOT (n)-[:SOURCED_FROM]->(:Source) RETURN n.uid"
        ).records
        == []
    )
    assert (
        kb.execute_query(
            "MATCH ()-[r]->() WHERE NOT type(r) IN ['SOURCED_FROM', 'LOADED_BY'] "
            "AND (r.source_ids IS NULL OR size(r.source_ids) = 0 OR size(r.quotes) <> size(r.source_ids)) "
            "RETURN type(r)"
        ).records
        == []
    )
    unknown = kb.execute_query(
        "MATCH ()-[r]->() WHERE r.source_ids IS NOT NULL UNWIND r.source_ids AS id "
        "WITH DISTINCT id WHERE NOT EXISTS { MATCH (:Source {uid: id}) } RETURN id"
    ).records
    assert unknown == []


def test_smartencity_report(kb: Driver) -> None:
    assert role_of(kb, "sonderborg", "smartencity")[0] == "lighthouse"
    assert role_of(kb, "asenovgrad", "smartencity")[0] == "follower"
    meeting = one(
        kb,
        "MATCH (e:Event {uid: 'smartencity-network-meeting-4-asenovgrad'})-[:HELD_IN]->(c:City) "
        "RETURN c.uid AS city, toString(e.start_date) AS start",
    )
    assert (meeting["city"], meeting["start"][:7]) == ("asenovgrad", "2018-03")
    sonderborg = one(
        kb, "MATCH (c:City {uid: 'sonderborg'}) RETURN c.aliases AS aliases, c.country AS country"
    )
    assert "Sønderborg" in sonderborg["aliases"] and sonderborg["country"] == "DK"


def test_smarter_together_deliverable(kb: Driver) -> None:
    for city in ("lyon", "munich", "vienna"):
        assert role_of(kb, city, "smarter-together")[0] == "lighthouse"
    for city in ("santiago-de-compostela", "sofia", "venice"):
        assert role_of(kb, city, "smarter-together")[0] == "follower"
    partners = one(
        kb,
        "MATCH (o:Organisation)-[r:PARTNER_IN {role: 'beneficiary'}]->(:Project {uid: 'smarter-together'}) "
        "WHERE o.short_name IS NOT NULL AND o.country IS NOT NULL RETURN count(o) AS n",
    )
    assert partners["n"] == 30
    g5 = one(
        kb, "MATCH (o:Organisation {uid: 'g5-partners'}) RETURN o.short_name AS short, o.country AS country"
    )
    assert (g5["short"], g5["country"]) == ("G5", "DE")
    electryc = one(
        kb,
        "MATCH (c:City)<-[:IMPLEMENTED_IN]-(s:Solution {uid: 'electryc'})-[a:ADDRESSES]->(ch:Challenge) "
        "WHERE ch.uid = 'low-public-interest-and-engagement' RETURN c.uid AS city, a.outcome AS outcome",
    )
    assert (electryc["city"], electryc["outcome"]) == ("lyon", "mitigated")
    workshop = one(
        kb,
        "MATCH (e:Event {uid: 'smarter-together-p2p-workshop-lyon-2017'})-[:HELD_IN]->(c:City) "
        "RETURN c.uid AS city, toString(e.start_date) AS start",
    )
    assert (workshop["city"], workshop["start"]) == ("lyon", "2017-06-28")


def test_amsterdam_article(kb: Driver) -> None:
    # "Most cities are organising pilots ... very few of them roll out" is said of cities in general: the
    # article's barrier (DISCUSSED), not Amsterdam's (issue 9's attribution rule 3).
    faced = kb.execute_query("MATCH (:City {uid: 'amsterdam'})-[r:FACES]->() RETURN count(r) AS n").records
    assert faced[0]["n"] == 0
    discussed = one(
        kb,
        "MATCH (:Source {uid: 'amsterdam-scaling-article'})-[r:DISCUSSED]->(:Challenge {uid: 'scaling-pilots-citywide'}) "
        "RETURN r.quotes AS quotes",
    )
    assert any("very few of them roll out" in quote for quote in discussed["quotes"])


def test_my_smart_city_district_article(kb: Driver) -> None:
    members = kb.execute_query(
        "MATCH (p:Project)-[:MEMBER_OF]->(:Network {uid: 'my-smart-city-district'}) RETURN p.uid AS uid ORDER BY uid"
    ).records
    assert {r["uid"] for r in members} >= {"celsius", "cityfied", "eu-gugle", "r2cities", "sinfonia", "zenn"}
    assert role_of(kb, "lund", "cityfied")[0] == "lighthouse"


def test_canonical_challenges_join_documents(kb: Driver) -> None:
    sources = one(
        kb,
        "MATCH (:Challenge {uid: 'scaling-pilots-citywide'})-[:SOURCED_FROM]->(s:Source) RETURN collect(s.uid) AS s",
    )["s"]
    assert len(sources) >= 3


def test_cities_have_coordinates_from_geonames(kb: Driver) -> None:
    lyon = one(
        kb, "MATCH (c:City {uid: 'lyon'}) RETURN c.latitude AS lat, c.longitude AS lon, c.geo_source AS src"
    )
    assert 45.7 < lyon["lat"] < 45.8 and 4.8 < lyon["lon"] < 4.9
    assert lyon["src"].startswith("GeoNames")


def test_sharing_cities_meeting_record(kb: Driver) -> None:
    assert role_of(kb, "milan", "sharing-cities") == ("lighthouse", "Lighthouse city")
    for city in ("bordeaux", "burgas", "warsaw"):
        assert role_of(kb, city, "sharing-cities") == ("follower", "fellow city")
    meeting = one(
        kb,
        "MATCH (e:Event {uid: 'sharing-cities-consortium-meeting-milan-2017'})-[:HELD_IN]->(c:City) "
        "RETURN c.uid AS city, toString(e.start_date) AS start, e.kind AS kind",
    )
    assert (meeting["city"], meeting["start"], meeting["kind"]) == (
        "milan",
        "2017-02-01",
        "consortium-meeting",
    )
    enova = one(kb, "MATCH (o:Organisation {uid: 'lisboa-e-nova'}) RETURN o.country AS country")
    assert enova["country"] == "PT"
    # Hired "to share saving behaviours", they beat their 25 % target: they solved household energy saving; the
    # record never aims them at public engagement, so that link (kept until issue 9 as "our reading") is gone.
    ambassadors = one(
        kb,
        "MATCH (c:City)<-[:IMPLEMENTED_IN]-(s:Solution {uid: 'lisbon-smart-ambassadors'})-[a:ADDRESSES]->"
        "(ch:Challenge) RETURN c.uid AS city, s.outcomes AS outcomes, a.outcome AS outcome, ch.uid AS challenge",
    )
    assert ambassadors["city"] == "lisbon"
    assert (ambassadors["challenge"], ambassadors["outcome"]) == (
        "household-energy-saving-behaviour",
        "solved",
    )
    assert any("30%" in outcome and "25%" in outcome for outcome in ambassadors["outcomes"])


def test_the_same_barrier_worded_differently_is_one_challenge(kb: Driver) -> None:
    # "Lack of public interest in citizen labs" (SMARTER TOGETHER) and "public apathy towards a smart city
    # agenda" (Sharing Cities) are one canonical challenge. Since issue 9 it is faced by whom each text says:
    # SMARTER TOGETHER's Common Reporting found it "across cities" (the project's), Greenwich says it of itself.
    record = one(
        kb,
        "MATCH (ch:Challenge {uid: 'low-public-interest-and-engagement'}) "
        "OPTIONAL MATCH (ch)-[:SOURCED_FROM]->(s:Source) "
        "WITH ch, collect(s.uid) AS sources "
        "OPTIONAL MATCH (x)-[:FACES]->(ch) "
        "RETURN sources, collect(DISTINCT labels(x)[0] + ':' + x.uid) AS faced_by, ch.aliases AS aliases",
    )
    assert {"smarter-together-d211", "sharing-cities-milan-meeting-record"} <= set(record["sources"])
    assert {"Project:smarter-together", "City:greenwich"} <= set(record["faced_by"])
    assert any("citizen labs" in alias for alias in record["aliases"])


def test_every_city_barrier_in_the_graph_names_the_city_or_its_group(kb: Driver) -> None:
    records = kb.execute_query(
        "MATCH (c:City)-[r:FACES|NEEDS]->() "
        "RETURN c.uid AS uid, [c.name] + coalesce(c.aliases, []) AS names, r.quotes AS quotes, "
        "r.attribution_quote AS attribution, coalesce(r.group_statement, false) AS grouped, r.group AS grp"
    ).records
    assert records
    unsupported = [
        (r["uid"], r["quotes"][:1])
        for r in records
        if not (
            (r["grouped"] and r["grp"])
            or any(passage_names(q, r["names"]) for q in [*r["quotes"], r["attribution"] or ""])
        )
    ]
    assert unsupported == []
