"""Credits and debits: add (a purchase, a grant), an operator's adjustment, a deduction and
its refunds. Each is one ledger entry claimed by its idempotency key, then moved onto the
balance (see ledger.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError, ValidationFailed
from orion.modules.credits.exceptions import NotRefundable
from orion.modules.credits.models import CreditTransaction
from orion.modules.credits.repository import TransactionRepository
from orion.modules.credits.schemas import CreditTransactionPublic, TransactionKind
from orion.modules.credits.services.ledger import (
    check_amount,
    claim,
    digest,
    kind_of,
    move,
    public,
    unclaim,
)

CREDIT_KINDS = (TransactionKind.PURCHASE, TransactionKind.GRANT)


def add(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    reason: str,
    idempotency_key: str,
    kind: TransactionKind | str = TransactionKind.GRANT,
    reference: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """Credit the tenant: a purchase, or a grant (a plan's included credits, a gesture)."""
    kind = kind_of(kind, allowed=CREDIT_KINDS)
    check_amount(amount)
    with acting_for(session, tenant):
        entry = claim(
            session,
            tenant,
            key=idempotency_key,
            digest=digest("add", kind=kind, amount=amount, reference=reference),
            kind=kind,
            amount=amount,
            reason=reason,
            reference=reference,
            actor_id=actor_id,
        )
        if isinstance(entry, dict):
            move(session, tenant, entry)
    return public(entry)


def adjust(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    reason: str,
    idempotency_key: str,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """An operator's correction up or down; down never below zero (402 otherwise)."""
    if amount == 0:
        raise ValidationFailed(
            "an adjustment moves a non-zero amount",
            errors=[FieldError("amount", "must not be zero")],
        )
    check_amount(abs(amount))
    with acting_for(session, tenant):
        entry = claim(
            session,
            tenant,
            key=idempotency_key,
            digest=digest("adjust", amount=amount),
            kind=TransactionKind.ADJUSTMENT,
            amount=amount,
            reason=reason,
            actor_id=actor_id,
        )
        if isinstance(entry, dict):
            move(session, tenant, entry)
    return public(entry)


def deduct(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    reference: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """Charge the tenant `amount`, or refuse with 402 (balance and amount) leaving it as it
    was. The charge stays refundable."""
    check_amount(amount)
    with acting_for(session, tenant):
        entry = claim(
            session,
            tenant,
            key=idempotency_key,
            digest=digest("deduct", amount=amount, reference=reference),
            kind=TransactionKind.DEDUCT,
            amount=-amount,
            reason=reason,
            reference=reference,
            actor_id=actor_id,
            refundable=amount,
        )
        if isinstance(entry, dict):
            move(session, tenant, entry)
    return public(entry)


def refund(
    session: Session,
    tenant: TenantContext,
    *,
    transaction_id: uuid.UUID,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """Give back part or all of a charge (a deduction, a settled hold); refunds of one
    charge never add up to more than it (409 otherwise)."""
    check_amount(amount)
    with acting_for(session, tenant):
        original = TransactionRepository(session).get(transaction_id)
        entry = claim(
            session,
            tenant,
            key=idempotency_key,
            digest=digest("refund", transaction_id=transaction_id, amount=amount),
            kind=TransactionKind.REFUND,
            amount=amount,
            reason=reason,
            reference=original.reference,
            refund_of_id=transaction_id,
            actor_id=actor_id,
        )
        if not isinstance(entry, dict):
            return public(entry)
        # One conditional UPDATE takes the amount from what is left to refund: concurrent
        # refunds of one charge cannot add up to more than it.
        left = session.execute(
            update(CreditTransaction)
            .where(CreditTransaction.id == transaction_id, CreditTransaction.refundable >= amount)
            .values(refundable=CreditTransaction.refundable - amount)
            .returning(CreditTransaction.refundable),
            execution_options={"synchronize_session": False},
        ).scalar_one_or_none()
        if left is None:
            unclaim(session, entry)
            session.refresh(original)
            raise NotRefundable(refundable=original.refundable, requested=amount)
        move(session, tenant, entry)
    return public(entry)
