"""Alembic environment: one version branch per module, plus the kernel's own."""
