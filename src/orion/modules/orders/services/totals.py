"""An order's totals, computed once when it is placed (pure integer arithmetic).

Prices include VAT (B2C). For each VAT rate `r` the VAT in a gross amount `g` is
`g * r / (10000 + r)`, rounded half up once per rate group, never per line.

* items: the lines' `unit_price * quantity`;
* discount: an amount off the items total, shared between the rate groups in proportion
  to their gross (largest remainder, so the shares add up to the discount exactly; ties go
  to the higher rate), so each rate's VAT is computed on what was really charged at it;
* shipping: charged at the highest VAT rate among the order's items (shipping follows the
  goods it carries; with standard-rated goods that is the platform's standard rate), and
  added to that rate's group;
* grand total = items - discount + shipping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orion.kernel.data.money import BASIS_POINTS


def vat_in(gross: int, rate: int) -> int:
    """The VAT included in `gross` at `rate` basis points, rounded half up."""
    if rate == 0 or gross == 0:
        return 0
    numerator = abs(gross) * rate
    denominator = BASIS_POINTS + rate
    quotient, remainder = divmod(numerator, denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if gross >= 0 else -quotient


def allocate(amount: int, weights: Mapping[int, int]) -> dict[int, int]:
    """Share `amount` between the keys in proportion to their weights, exactly (largest
    remainder; ties to the larger key). Keys with no weight get nothing."""
    total = sum(weights.values())
    if amount == 0 or total == 0:
        return dict.fromkeys(weights, 0)
    shares: dict[int, int] = {}
    remainders: list[tuple[int, int]] = []
    for key, weight in weights.items():
        share, remainder = divmod(amount * weight, total)
        shares[key] = share
        remainders.append((remainder, key))
    left = amount - sum(shares.values())
    for _remainder, key in sorted(remainders, reverse=True)[:left]:
        shares[key] += 1
    return shares


@dataclass(frozen=True)
class Line:
    unit_price: int
    quantity: int
    vat_rate: int

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Totals:
    items_total: int
    discount_total: int
    shipping_total: int
    shipping_vat_rate: int
    vat_total: int
    grand_total: int
    # rate (as a string key, JSON's) -> {"gross": charged at the rate, "vat": its VAT}
    vat_breakdown: dict[str, dict[str, int]]


def gross_by_rate(lines: Iterable[Line]) -> dict[int, int]:
    groups: dict[int, int] = {}
    for line in lines:
        groups[line.vat_rate] = groups.get(line.vat_rate, 0) + line.total
    return groups


def breakdown(groups: Mapping[int, int]) -> dict[str, dict[str, int]]:
    """Per rate, highest first: the gross charged and the VAT in it."""
    return {
        str(rate): {"gross": gross, "vat": vat_in(gross, rate)}
        for rate, gross in sorted(groups.items(), reverse=True)
    }


def compute(lines: list[Line], *, shipping: int = 0, discount: int = 0) -> Totals:
    """The totals of an order of `lines`. The caller has checked `discount <= items`."""
    items = gross_by_rate(lines)
    items_total = sum(items.values())
    shares = allocate(discount, items)
    groups = {rate: gross - shares[rate] for rate, gross in items.items()}
    shipping_rate = max(items) if items else 0
    if shipping:
        groups[shipping_rate] = groups.get(shipping_rate, 0) + shipping
    vat = breakdown(groups)
    return Totals(
        items_total=items_total,
        discount_total=discount,
        shipping_total=shipping,
        shipping_vat_rate=shipping_rate,
        vat_total=sum(group["vat"] for group in vat.values()),
        grand_total=items_total - discount + shipping,
        vat_breakdown=vat,
    )


def refund_breakdown(
    amount: int, order_breakdown: Mapping[str, Mapping[str, int]]
) -> dict[str, dict[str, int]]:
    """An amount refunded off an order, shared between its rates like its gross."""
    weights = {int(rate): int(group["gross"]) for rate, group in order_breakdown.items()}
    return breakdown({rate: share for rate, share in allocate(amount, weights).items() if share})
