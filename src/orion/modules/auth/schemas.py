"""auth DTOs. Seed names kept: UserBase, UserCreate, UserUpdate, UserUpdateMe, UserPublic,
UsersPublic, UpdatePassword, Token, TokenPayload, NewPassword."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from orion.kernel.data.paging import Listing
from orion.kernel.web.hygiene import not_null

PASSWORD_MAX_LENGTH = 256


def normalize_email(value: str) -> str:
    """A valid address, lower-cased; ValueError naming the problem otherwise.

    `.test` addresses are accepted (demo data and tests use them); deliverability is not
    checked (no DNS lookups on the request path).
    """
    try:
        checked = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.normalized.lower()


# An email address, validated and lower-cased. Other modules may use it for their inputs.
EmailAddress = Annotated[str, Field(max_length=320), AfterValidator(normalize_email)]
Password = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
FullName = Annotated[str, Field(max_length=255)]


class UserBase(BaseModel):
    email: EmailAddress
    full_name: FullName | None = None


class UserRegister(UserBase):
    """Self-service sign-up (when the platform setting `auth.registration_open` is true)."""

    password: Password


class UserCreate(UserBase):
    """A platform operator creates an account."""

    password: Password
    is_active: bool = True
    is_superadmin: bool = False


class UserUpdate(BaseModel):
    """A platform operator changes an account."""

    full_name: FullName | None = None  # null clears it
    is_active: bool | None = None
    is_superadmin: bool | None = None

    _required = not_null("is_active", "is_superadmin")  # may be left out, never null


class UserUpdateMe(BaseModel):
    full_name: FullName | None = None
    email: EmailAddress | None = None
    current_password: Password | None = Field(
        default=None, description="Required to change the email address"
    )

    _required = not_null("email")  # an account always has one


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str | None
    is_active: bool
    is_superadmin: bool
    created_at: datetime
    last_login_at: datetime | None = None


UsersPublic = Listing[UserPublic]


class MePublic(UserPublic):
    """The signed-in user and what they act as in this request."""

    tenant_id: uuid.UUID | None = None
    role: str | None = None
    permissions: list[str] = Field(default_factory=list)
    scopes: list[str] | None = Field(
        default=None, description="An API access token's scopes; null when signed in with a JWT"
    )


class UpdatePassword(BaseModel):
    current_password: Password
    new_password: Password


class NewPassword(BaseModel):
    """Finish a password reset with the emailed token."""

    token: str = Field(min_length=1, max_length=512)
    new_password: Password


class PasswordResetRequest(BaseModel):
    email: EmailAddress


class Token(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires")


class TokenPayload(BaseModel):
    """The claims of an access JWT."""

    sub: str
    aud: str = "access"
    exp: int
    iat: int
    sid: str | None = Field(default=None, description="The sign-in session (refresh family)")
    tid: str | None = Field(default=None, description="The tenant the session was opened for")


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class AccessTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=200)
    expires_at: datetime | None = Field(
        default=None, description="When the token stops working (UTC when no zone is given)"
    )


class AccessTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    tenant_id: uuid.UUID
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class AccessTokenCreated(AccessTokenPublic):
    token: str = Field(description="The token itself: shown this once, never again")


AccessTokensPublic = Listing[AccessTokenPublic]
