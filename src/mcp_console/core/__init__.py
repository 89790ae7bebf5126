"""Cross-cutting building blocks shared by every domain package."""
