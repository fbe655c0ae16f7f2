"""Events credits publishes: its public contract with the other modules."""

from __future__ import annotations

from typing import ClassVar

from orion.kernel.runtime.events import Event


class BalanceLow(Event):
    """A debit took the balance from at or above the tenant's threshold to below it."""

    name: ClassVar[str] = "credits.balance_low"

    balance: int
    threshold: int


class Depleted(Event):
    """A debit took the balance to zero."""

    name: ClassVar[str] = "credits.depleted"

    balance: int = 0
