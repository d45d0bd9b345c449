"""Retrieval: embed the documents once, answer queries by cosine similarity.

The heavy libraries are imported lazily so the service starts (and answers
its health check) before the model is loaded.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from app.config import settings


def load_documents(directory: str) -> list[tuple[str, str]]:
    docs = []
    for path in sorted(Path(directory).glob("*.md")):
        docs.append((path.name, path.read_text(encoding="utf-8")))
    return docs


@lru_cache(maxsize=1)
def _encoder():
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    return SentenceTransformer(settings.model_name)


def _bag_of_words(text: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for word in text.lower().split():
        word = word.strip(".,:;!?()[]\"'")
        if word:
            counts[word] = counts.get(word, 0.0) + 1.0
    return counts


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def retrieve(query: str, top_k: int | None = None) -> list[dict]:
    """The most relevant documents for `query`, best first."""
    top_k = top_k or settings.top_k
    docs = load_documents(settings.docs_dir)
    encoder = _encoder()
    if encoder is not None:
        vectors = encoder.encode([text for _, text in docs] + [query], normalize_embeddings=True)
        scores = (vectors[:-1] @ vectors[-1]).tolist()
    else:
        # Without the embedding model (a slim test build), fall back to words.
        q = _bag_of_words(query)
        scores = [_cosine(_bag_of_words(text), q) for _, text in docs]
    ranked = sorted(zip(docs, scores), key=lambda item: item[1], reverse=True)
    return [{"document": name, "score": round(score, 4)} for (name, _), score in ranked[:top_k]]
