"""Bank transfer: nothing is called. The customer transfers with the payment's reference;
staff see it on the account statement and record it (`mark_received`), all or part."""

from __future__ import annotations

import secrets

from orion.modules.payments.providers.base import Credentials, Remote

# Letters and digits people do not confuse when they copy a reference into their bank's form.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def transfer_reference(order_number: str) -> str:
    """`<order number>-<6 characters>`: the order for people, the suffix for uniqueness."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{order_number}-{suffix}"[:140]


class BankTransferProvider:
    name = "bank_transfer"
    remote = False

    def start(self, credentials: Credentials, **_: object) -> Remote:
        return Remote(status="pending")

    def confirm(self, credentials: Credentials, **_: object) -> Remote:
        return Remote()

    def capture(self, credentials: Credentials, *, amount: int, **_: object) -> Remote:
        return Remote()

    def cancel(self, credentials: Credentials, **_: object) -> Remote:
        return Remote(status="canceled")

    def refund(self, credentials: Credentials, **_: object) -> Remote:
        return Remote()

    def retrieve(self, credentials: Credentials, **_: object) -> Remote:
        return Remote()
