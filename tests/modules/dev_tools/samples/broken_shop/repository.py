"""The queries (a placeholder)."""
