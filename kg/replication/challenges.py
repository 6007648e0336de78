"""Challenge embeddings: what is embedded for a challenge, and refreshing the stored vectors when names change."""

from __future__ import annotations

from kg.core.database import Database
from kg.embeddings import SentenceEmbedder
from queries import replication as q


def challenge_text(name: str) -> str:
    """What is embedded for a challenge: its canonical name.

    The canonical name is the one normalised wording of the barrier. The documents' own wordings (aliases)
    are quotes of varying length and focus; embedding them too turns broad challenges into hubs that look
    similar to everything (measured on the seed: see the README), so they are kept for text search instead.
    """
    return name.strip()


def refresh_challenge_embeddings(db: Database, embedder: SentenceEmbedder) -> int:
    """Embed every challenge whose text changed since it was last embedded; returns how many were (re)embedded."""
    records = db.read(q.READ_CHALLENGE_TEXTS)
    stale = [
        (record["uid"], text)
        for record in records
        if (text := challenge_text(record["name"])) != record["embedded_text"]
    ]
    if not stale:
        return 0
    vectors = embedder.embed([text for _, text in stale])
    rows = [
        {"uid": uid, "text": text, "embedding": [float(x) for x in vector]}
        for (uid, text), vector in zip(stale, vectors, strict=True)
    ]
    db.write(q.SET_CHALLENGE_EMBEDDINGS, rows=rows)
    return len(rows)
