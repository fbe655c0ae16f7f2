"""The payment providers behind one interface (`base.PaymentProvider`): `bank_transfer`
(nothing remote: staff record what came in) and `stripe` (the official SDK).

Providers are called with no database transaction open; they take what the call needs
(credentials, references, amounts) as plain values and answer `Remote`, what the provider
says about the payment now, never touching the session."""

from __future__ import annotations

from orion.modules.payments.providers.bank_transfer import BankTransferProvider
from orion.modules.payments.providers.base import Credentials, PaymentProvider, Remote
from orion.modules.payments.providers.stripe_provider import StripeProvider
from orion.modules.payments.schemas import Provider
from orion.modules.payments.settings import PaymentsSettings


def provider_for(name: str, settings: PaymentsSettings) -> PaymentProvider:
    if name == Provider.STRIPE:
        return StripeProvider(settings)
    return BankTransferProvider()


__all__ = ["Credentials", "PaymentProvider", "Remote", "provider_for"]
