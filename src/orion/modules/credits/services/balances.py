"""Reading a tenant's credits: its balance, its ledger, the low-balance threshold; and the
platform's proof that every balance equals the sum of its ledger."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.credits.models import CreditAccount, CreditHold, CreditTransaction
from orion.modules.credits.repository import AccountRepository, TransactionRepository
from orion.modules.credits.schemas import (
    CreditBalancePublic,
    CreditTransactionsPublic,
    HoldState,
    LedgerCheck,
    TransactionKind,
)
from orion.modules.credits.services.ledger import ensure_account


def get_balance(session: Session, tenant: TenantContext) -> int:
    """What the tenant can spend now (0 before its first credit)."""
    with acting_for(session, tenant):
        return AccountRepository(session).balance()


def balance_summary(session: Session, tenant: TenantContext) -> CreditBalancePublic:
    with acting_for(session, tenant):
        account = AccountRepository(session).current()
        held = session.scalar(
            select(func.coalesce(func.sum(CreditHold.amount), 0)).where(
                CreditHold.state == HoldState.OPEN
            )
        )
    return CreditBalancePublic(
        tenant_id=tenant.tenant_id,
        balance=account.balance if account else 0,
        held=held or 0,
        low_balance_threshold=account.low_balance_threshold if account else None,
    )


def balance_of(session: Session, tenant_id: uuid.UUID) -> int | None:
    """Kernel extension point `credit_balance`: a tenant's balance, None without an account
    (tenancy fills `TenantWithBalancePublic.balance` with it). Platform code reading one
    tenant's row by its id, for each row of a tenant listing."""
    with all_tenants(session):
        return session.scalar(
            select(CreditAccount.balance).where(CreditAccount.tenant_id == tenant_id)
        )


def list_transactions(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    kind: TransactionKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    reference: str | None = None,
    hold_id: uuid.UUID | None = None,
) -> tuple[list[CreditTransaction], int]:
    """The tenant's ledger, newest first, filtered."""
    transactions = TransactionRepository(session)
    query = _ledger_query(transactions, kind, since, until, reference, hold_id)
    with acting_for(session, tenant):
        return transactions.page(query, page, CreditTransaction.created_at.desc())


def transactions_listing(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    kind: TransactionKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    reference: str | None = None,
    hold_id: uuid.UUID | None = None,
) -> CreditTransactionsPublic:
    """The ledger's list route, as `list_transactions` filters (which gives ORM rows)."""
    transactions = TransactionRepository(session)
    query = _ledger_query(transactions, kind, since, until, reference, hold_id)
    with acting_for(session, tenant):
        return transactions.listing(
            CreditTransactionsPublic, query, page, CreditTransaction.created_at.desc()
        )


def _ledger_query(
    transactions: TransactionRepository,
    kind: TransactionKind | None,
    since: datetime | None,
    until: datetime | None,
    reference: str | None,
    hold_id: uuid.UUID | None,
) -> Select[tuple[CreditTransaction]]:
    query = transactions.select()
    if kind is not None:
        query = query.where(CreditTransaction.kind == kind)
    if since is not None:
        query = query.where(CreditTransaction.created_at >= since)
    if until is not None:
        query = query.where(CreditTransaction.created_at < until)
    if reference is not None:
        query = query.where(CreditTransaction.reference == reference)
    if hold_id is not None:
        query = query.where(CreditTransaction.hold_id == hold_id)
    return query


def daily_totals(
    session: Session, tenant: TenantContext, *, days: int = 30
) -> list[tuple[str, int, int]]:
    """(day, credited, debited) for the last `days` days with movements, oldest first."""
    since = utcnow() - timedelta(days=days)
    day = func.date(CreditTransaction.created_at)
    credited = func.sum(case((CreditTransaction.amount > 0, CreditTransaction.amount), else_=0))
    debited = func.sum(case((CreditTransaction.amount < 0, -CreditTransaction.amount), else_=0))
    with acting_for(session, tenant):
        rows = session.execute(
            select(day, credited, debited)
            .where(CreditTransaction.created_at >= since)
            .group_by(day)
            .order_by(day)
        ).all()
    return [(str(when), int(plus or 0), int(minus or 0)) for when, plus, minus in rows]


def get_transaction(
    session: Session, tenant: TenantContext, transaction_id: uuid.UUID
) -> CreditTransaction:
    with acting_for(session, tenant):
        return TransactionRepository(session).get(transaction_id)


def update_settings(
    session: Session, tenant: TenantContext, *, low_balance_threshold: int | None
) -> CreditBalancePublic:
    with acting_for(session, tenant):
        ensure_account(session, tenant)
        account = AccountRepository(session).current()
        assert account is not None
        account.low_balance_threshold = low_balance_threshold
        session.flush()
        return balance_summary(session, tenant)


def verify(session: Session) -> list[LedgerCheck]:
    """Every tenant's balance against the sum of its ledger (platform-level)."""
    with all_tenants(session):
        sums = dict(
            session.execute(
                select(CreditTransaction.tenant_id, func.sum(CreditTransaction.amount)).group_by(
                    CreditTransaction.tenant_id
                )
            ).all()
        )
        held = dict(
            session.execute(
                select(CreditHold.tenant_id, func.sum(CreditHold.amount))
                .where(CreditHold.state == HoldState.OPEN)
                .group_by(CreditHold.tenant_id)
            ).all()
        )
        balances = dict(
            session.execute(select(CreditAccount.tenant_id, CreditAccount.balance)).all()
        )
    return [
        LedgerCheck(
            tenant_id=tenant_id,
            balance=balances.get(tenant_id, 0),
            ledger_sum=int(sums.get(tenant_id) or 0),
            open_holds=int(held.get(tenant_id) or 0),
        )
        for tenant_id in sorted(set(balances) | set(sums), key=str)
    ]
