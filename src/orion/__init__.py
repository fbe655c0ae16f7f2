"""Orion: a modular, multi-tenant commerce and SaaS platform backend."""

__version__ = "0.1.0"
