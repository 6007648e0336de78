"""Challenge embeddings: what is embedded for a challenge, refreshing the stored vectors when names change, and
the SIMILAR_TO neighbours matching traverses (the vector index asked once per challenge at refresh time rather
than once per barrier per question)."""

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
    if stale:
        vectors = embedder.embed([text for _, text in stale])
        rows = [
            {"uid": uid, "text": text, "embedding": [float(x) for x in vector]}
            for (uid, text), vector in zip(stale, vectors, strict=True)
        ]
        db.write(q.SET_CHALLENGE_EMBEDDINGS, rows=rows)
    if stale or not db.read(q.COUNT_SIMILARITIES)[0]["n"]:
        refresh_similarities(db)
    return len(stale)


SIMILARITY_BATCH = 500


def refresh_similarities(db: Database) -> int:
    """Recompute every challenge's nearest neighbours (cosine >= SIMILARITY_FLOOR, at most SIMILARITY_NEIGHBOURS)
    as SIMILAR_TO relationships; returns how many there are. A new challenge can be anyone's neighbour, so all are
    recomputed, in batches."""
    db.write(q.REMOVE_SIMILARITIES)
    uids = [row["uid"] for row in db.read(q.READ_EMBEDDED_CHALLENGES)]
    total = 0
    for start in range(0, len(uids), SIMILARITY_BATCH):
        rows = db.write(
            q.SET_SIMILARITIES,
            uids=uids[start : start + SIMILARITY_BATCH],
            vector_index=q.VECTOR_INDEX,
            neighbours=q.SIMILARITY_NEIGHBOURS,
            floor=q.SIMILARITY_FLOOR,
        )
        total += int(rows[0]["similarities"]) if rows else 0
    return total
