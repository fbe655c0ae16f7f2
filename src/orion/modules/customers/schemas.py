"""Customers DTOs: what the staff API, the storefront and the console accept and answer.

Emails are validated and lower-cased (`EmailAddress`), so `Ana@Example.com` and
`ana@example.com` are one customer. Passwords are checked for strength by the service
(the error names the field).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field

from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null

PASSWORD_MAX_LENGTH = 256


def normalize_email(value: str) -> str:
    """A valid address, lower-cased; ValueError naming the problem otherwise (`.test`
    addresses pass: demo data uses them; no DNS lookups on the request path)."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.normalized.lower()


EmailAddress = Annotated[str, Field(max_length=320), AfterValidator(normalize_email)]
Password = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
Name = Annotated[str, Field(max_length=100)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+()./ -]*$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class AddressKind(enum.StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"


# -- customers ---------------------------------------------------------------------------------


class CustomerBase(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    marketing_consent: bool = False


class CustomerCreate(CustomerBase):
    """A customer added by staff (or a checkout): without a password, set later through a
    password reset."""

    email: EmailAddress


class CustomerUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: EmailAddress | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None  # null clears the names and the phone
    marketing_consent: bool | None = None
    is_active: bool | None = None

    _required = not_null("email", "marketing_consent", "is_active")  # may be left out, never null


class CustomerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    email: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    marketing_consent: bool
    marketing_consent_at: datetime | None
    is_active: bool
    has_password: bool
    last_sign_in_at: datetime | None
    erased_at: datetime | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


CustomersPublic = Listing[CustomerPublic]


# -- addresses ---------------------------------------------------------------------------------


class AddressCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    kind: AddressKind
    is_default: bool = Field(
        default=False, description="The default of its kind (the first of a kind always is)"
    )
    name: Text
    company: str | None = Field(default=None, max_length=200)
    line1: Text
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    city: Text
    region: str | None = Field(default=None, max_length=100)
    country: str = Field(
        min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2"
    )
    phone: Phone | None = None


class AddressUpdate(BaseModel):
    """Only the fields sent change; `is_default: true` makes it the default of its kind."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    kind: AddressKind | None = None
    is_default: bool | None = None
    name: Text | None = None
    company: str | None = Field(default=None, max_length=200)
    line1: Text | None = None
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, min_length=1, max_length=20)
    city: Text | None = None
    region: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    phone: Phone | None = None


class AddressPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: AddressKind
    is_default: bool
    name: str
    company: str | None
    line1: str
    line2: str | None
    postal_code: str
    city: str
    region: str | None
    country: str
    phone: str | None
    created_at: datetime


AddressesPublic = Listing[AddressPublic]


class CustomerDetailPublic(CustomerPublic):
    addresses: list[AddressPublic]


# -- storefront accounts -----------------------------------------------------------------------


class CustomerRegister(CustomerBase):
    """A shopper opens an account with the store."""

    email: EmailAddress
    password: Password


class CustomerSignIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: EmailAddress
    password: Password


class CustomerToken(BaseModel):
    """A customer's bearer token for this store's storefront routes."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme's name
    expires_in: int = Field(description="Seconds until the token (and its session) expires")
    customer: CustomerPublic


class CustomerUpdateMe(BaseModel):
    """What customers change of their own account (the email through staff or support)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    marketing_consent: bool | None = None

    _required = not_null("marketing_consent")  # a customer consents or not; null is neither


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: EmailAddress


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    new_password: Password


class ErasureConfirm(BaseModel):
    """A signed-in customer asks to be erased; with a password, it confirms the request."""

    model_config = ConfigDict(extra="forbid")

    password: Password | None = None


# -- export ------------------------------------------------------------------------------------


class CustomerExport(BaseModel):
    """Everything the platform holds of one customer: its account, addresses, and each
    module's part (`sections`, by module code: `orders`, ...)."""

    exported_at: datetime
    store_id: uuid.UUID
    customer: CustomerPublic
    addresses: list[AddressPublic]
    sessions: list[dict[str, Any]]
    sections: dict[str, Any]
