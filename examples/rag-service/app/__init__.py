"""A small retrieval-augmented generation service."""
