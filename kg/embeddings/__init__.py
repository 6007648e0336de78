"""Sentence embeddings for semantic barrier matching: all-MiniLM-L6-v2 in numpy, offline (see ``encoder``)."""

from __future__ import annotations

from kg.embeddings.encoder import (
    DIMENSIONS,
    MODEL_NAME,
    ModelUnavailableError,
    SentenceEmbedder,
    install_model,
    model_is_installed,
)

__all__ = [
    "DIMENSIONS",
    "MODEL_NAME",
    "ModelUnavailableError",
    "SentenceEmbedder",
    "install_model",
    "model_is_installed",
]
