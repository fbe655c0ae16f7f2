"""The DTOs (a placeholder)."""
