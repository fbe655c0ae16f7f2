"""Money: amounts in minor units (integers), currencies by ISO 4217 code, rates in basis points.

Every module keeps an amount as an integer count of its currency's minor unit (cents for EUR,
yen for JPY) next to its currency code; a rate (VAT, a discount) is an integer in basis
points (1700 = 17 %). Arithmetic on amounts stays in integers; where a rate applies,
`apply_rate` rounds half up once, at the end. Babel knows the currencies, their minor units
and how people in each language write an amount.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

MAX_AMOUNT = 10**13  # what one amount may be: 100 billion euros, in cents
BASIS_POINTS = 10_000  # 100 %


@cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _currencies()


def minor_digits(currency: str) -> int:
    """How many digits the currency's minor unit has (EUR 2, JPY 0, KWD 3)."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


def apply_rate(amount: int, basis_points: int) -> int:
    """`amount` times the rate, rounded half up to a whole minor unit (integers throughout)."""
    product = amount * basis_points
    quotient, remainder = divmod(abs(product), BASIS_POINTS)
    if remainder * 2 >= BASIS_POINTS:
        quotient += 1
    return quotient if product >= 0 else -quotient


def format_money(amount: int, currency: str, *, locale: str = "en") -> str:
    """`1250, "EUR", locale="fr"` -> "12,50 €": for people (pages, PDFs, emails)."""
    from babel.numbers import format_currency

    value = Decimal(amount).scaleb(-minor_digits(currency))
    return str(format_currency(value, currency, locale=_LOCALES.get(locale, locale)))


_LOCALES = {"en": "en_IE", "fr": "fr_LU", "de": "de_LU", "lb": "lb_LU"}


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _known_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (such as EUR)")
    return code


Currency = Annotated[
    str,
    BeforeValidator(_upper),
    Field(min_length=3, max_length=3, examples=["EUR"], description="ISO 4217 currency code"),
    AfterValidator(_known_currency),
]
"""A currency code: "eur" is read as EUR; an unknown code is refused naming it."""

MinorUnits = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_AMOUNT,
        description="An amount in the currency's minor unit (cents): 1250 is 12.50 EUR",
    ),
]
"""A non-negative amount in minor units; 12.5 is refused (a fractional part has no cent)."""

BasisPoints = Annotated[
    int, Field(ge=0, le=BASIS_POINTS, description="A rate in basis points: 1700 is 17 %")
]


def parse_amount(text: str, currency: str) -> int:
    """An amount a person typed in `currency`'s units as minor units: "99", "99.00",
    "99,00", "1,299.00" and "1 299,00" are 9900 for EUR. ValueError says why not (in words
    that follow the field's name: "must be an amount such as 29.00, not 'ninety'")."""
    digits = _digits_or_two(currency)
    example = f"{29:.{digits}f}" if digits else "29"
    cleaned = re.sub(r"[\s\u202f\u00a0']", "", text)
    if "," in cleaned and "." in cleaned:  # the later one is the decimal point
        thousands = "," if cleaned.rfind(".") > cleaned.rfind(",") else "."
        cleaned = cleaned.replace(thousands, "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"must be an amount such as {example}, not {text!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"must be an amount of 0 or more, such as {example}")
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        decimals = "no decimals" if digits == 0 else f"at most {digits} decimals"
        raise ValueError(f"has {decimals} in {currency}: {text} has more")
    if scaled > MAX_AMOUNT:
        raise ValueError(f"must be at most {amount_text(MAX_AMOUNT, currency)}")
    return int(scaled)


def amount_text(amount: int, currency: str) -> str:
    """9900 EUR -> "99.00": a stored amount as a form field shows it, in units."""
    digits = _digits_or_two(currency)
    return f"{Decimal(amount).scaleb(-digits):.{digits}f}"


def _digits_or_two(currency: str) -> int:
    try:
        return minor_digits(currency)
    except Exception:  # an unknown code: the schema refuses it, naming the currency field
        return 2
