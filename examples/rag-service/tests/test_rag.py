from app import rag


def test_retrieve_ranks_matching_document_first(monkeypatch):
    monkeypatch.setattr(rag, "_encoder", lambda: None)
    results = rag.retrieve("how do I rotate the api keys", top_k=1)
    assert results[0]["document"] == "security.md"
