"""Queries on the credits models. Tenant filtering is the kernel's: every query here reads
the rows of the tenant the session acts for."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.credits.exceptions import HoldNotFound, TransactionNotFound
from orion.modules.credits.models import CreditAccount, CreditHold, CreditTransaction


class AccountRepository(RepositoryBase[CreditAccount]):
    model = CreditAccount

    def current(self) -> CreditAccount | None:
        """The tenant's account (None before its first credit)."""
        return self.first(self.select())

    def balance(self, *, lock: bool = False) -> int:
        """The tenant's balance (0 without an account); `lock` holds the account row until
        commit, so that the amount read is the amount a debit may take."""
        query = select(CreditAccount.balance)
        if lock:
            query = query.with_for_update()
        return self.session.scalar(query) or 0


class TransactionRepository(RepositoryBase[CreditTransaction]):
    model = CreditTransaction
    not_found = TransactionNotFound
    label = "credit transaction"

    def by_key(self, key: str) -> CreditTransaction | None:
        return self.first(self.select().where(CreditTransaction.idempotency_key == key))


class HoldRepository(RepositoryBase[CreditHold]):
    model = CreditHold
    not_found = HoldNotFound
    label = "credit hold"

    def fresh(self, hold_id: uuid.UUID) -> CreditHold:
        """The hold as the database has it now (one SELECT, refreshing any stale copy that
        conditional UPDATEs left in the identity map)."""
        record = self.first(
            self.select().where(CreditHold.id == hold_id).execution_options(populate_existing=True)
        )
        if record is None:
            raise self.not_found(f"credit hold {hold_id} does not exist")
        return record
