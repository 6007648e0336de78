"""The closed vocabularies of the graph model. Properties declare them with ``schema.models.vocabulary``; the seed
files, the curator API and GraphQL (as enums) all take their values from here."""

from __future__ import annotations

from enum import StrEnum


class CityRole(StrEnum):
    """One vocabulary for a city's role in a project; the document's own wording goes to ``role_label``."""

    LIGHTHOUSE = "lighthouse"
    FOLLOWER = "follower"
    OBSERVER = "observer"


class Outcome(StrEnum):
    """What a solution achieved on a challenge it addresses, strongest first."""

    SOLVED = "solved"
    MITIGATED = "mitigated"
    ATTEMPTED = "attempted"
    PROPOSED = "proposed"


class ChallengeCategory(StrEnum):
    REGULATORY = "regulatory"
    FINANCIAL = "financial"
    TECHNICAL = "technical"
    SOCIAL = "social"
    ORGANISATIONAL = "organisational"
    DATA_AND_PRIVACY = "data-and-privacy"
    POLITICAL = "political"


class NetworkKind(StrEnum):
    CLUSTER = "cluster"
    CITY_NETWORK = "city-network"
    EU_INITIATIVE = "eu-initiative"
    ASSOCIATION = "association"


class OrganisationKind(StrEnum):
    CITY = "city"
    RESEARCH = "research"
    UNIVERSITY = "university"
    INDUSTRY = "industry"
    SME = "sme"
    UTILITY = "utility"
    ASSOCIATION = "association"
    PUBLIC_BODY = "public-body"
    NGO = "ngo"
    CONSULTANCY = "consultancy"


class BestPracticeKind(StrEnum):
    LESSON = "lesson"
    RECOMMENDATION = "recommendation"
    GUIDELINE = "guideline"
    METHOD = "method"


class EventKind(StrEnum):
    WORKSHOP = "workshop"
    CONSORTIUM_MEETING = "consortium-meeting"
    NETWORK_MEETING = "network-meeting"
    WEBINAR = "webinar"
    SITE_VISIT = "site-visit"
    STUDY_TOUR = "study-tour"
    CONFERENCE = "conference"
    EXPO = "expo"


class SourceKind(StrEnum):
    """What a source is: a document (its type in ``document_type``), a dataset (a table, a compiled list,
    a data file) or a web page."""

    DOCUMENT = "document"
    DATASET = "dataset"
    WEB_PAGE = "web-page"


class DocumentType(StrEnum):
    DELIVERABLE = "deliverable"
    MEETING_RECORD = "meeting-record"
    ARTICLE = "article"
    REPORT = "report"


class ImportStatus(StrEnum):
    """An import run's state: ``running`` until it ends; ``interrupted`` when its process died before the end
    (found by the next run of the same source, which resumes it when the source is unchanged)."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class ResolutionMethod(StrEnum):
    """How an incoming city, organisation or project was matched to a node, in the order they are tried."""

    UID = "uid"
    GRANT_AGREEMENT = "grant-agreement"
    ALIAS_FILE = "alias-file"
    NAME = "name"
    ALIAS = "alias"
    GEONAMES = "geonames"
    SIMILAR_NAME = "similar-name"  # a near spelling in the same country: never applied without a curator
    SEMANTIC = "semantic"  # a barrier worded like an existing challenge (embeddings): only ever proposed
    NEW = "new"


class ResolutionStatus(StrEnum):
    APPLIED = "applied"  # matched or created, confident enough to need nobody
    PENDING = "pending"  # low confidence: the entity was created apart and waits for a curator
    ACCEPTED = "accepted"  # a curator merged it into the proposed node
    REJECTED = "rejected"  # a curator said they are different


class SolutionStatus(StrEnum):
    """How far a solution has come, least to most mature; the document's own words go to ``status_label``.

    "envisioned", "concept" -> idea; "planned", "option presented" -> planned; "in development", "draft",
    "prototype" -> in-preparation; "under construction", "being deployed", "in implementation" ->
    under-construction; "operational", "implemented", "in force", "ongoing" -> in-operation; "completed",
    "achieved" (a result measured) -> completed.
    """

    IDEA = "idea"
    PLANNED = "planned"
    IN_PREPARATION = "in-preparation"
    UNDER_CONSTRUCTION = "under-construction"
    IN_OPERATION = "in-operation"
    COMPLETED = "completed"
