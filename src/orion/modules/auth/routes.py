"""auth routes: sign-up and sign-in (public), the caller's account and API access tokens
(user), and user administration (admin).

API access tokens are the caller's own credentials in the tenant they sign in to, so they
are `user` routes needing a tenant member, not an `api` router: that one is also mounted
for operators acting for a named tenant, where "my tokens" has no meaning."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from orion.kernel.web.dependencies import (
    CurrentPrincipal,
    PageDep,
    PlatformAdmin,
    SessionDep,
    TenantPrincipal,
    problem_responses,
    require_permission,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.auth import services
from orion.modules.auth.dependencies import ClientAddress, SignInSession
from orion.modules.auth.schemas import (
    AccessTokenCreate,
    AccessTokenCreated,
    AccessTokensPublic,
    MePublic,
    NewPassword,
    PasswordResetRequest,
    RefreshRequest,
    Token,
    UpdatePassword,
    UserCreate,
    UserPublic,
    UserRegister,
    UsersPublic,
    UserUpdate,
    UserUpdateMe,
)

public = APIRouter()  # no authentication
user = APIRouter()  # any signed-in caller
admin = APIRouter()  # platform operators

TOKENS_PERMISSION = "auth.tokens.manage"


class Accepted(BaseModel):
    detail: str


# -- public --------------------------------------------------------------------------------------


@public.post(
    "/register",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 409, 422),
)
def register(session: SessionDep, body: UserRegister) -> UserPublic:
    """Create an account (only when the platform setting `auth.registration_open` is true)."""
    return UserPublic.model_validate(services.register(session, data=body))


@public.post("/login", response_model=Token, responses=problem_responses(401, 429))
def login(
    session: SessionDep,
    address: ClientAddress,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """OAuth2 password flow: `username` (the email) and `password` as a form."""
    return services.login(session, email=form.username, password=form.password, address=address)


@public.post("/refresh", response_model=Token, responses=problem_responses(401))
def refresh(session: SessionDep, body: RefreshRequest) -> Token:
    """Trade a refresh token for new tokens; the presented one cannot be used again."""
    return services.refresh(session, body.refresh_token)


@public.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, body: RefreshRequest) -> None:
    """End the sign-in session of this refresh token, with its access tokens."""
    services.logout(session, body.refresh_token)


@public.post(
    "/password-reset",
    response_model=Accepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(422),
)
def request_password_reset(session: SessionDep, body: PasswordResetRequest) -> Accepted:
    """Email a reset link when an account has this address (the answer is the same if not)."""
    services.request_password_reset(session, body.email)
    return Accepted(detail="if an account uses this address, a reset email is on its way")


@public.post(
    "/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 409, 410, 422),
)
def confirm_password_reset(session: SessionDep, body: NewPassword) -> None:
    """Set a new password with the emailed single-use token."""
    services.reset_password(session, data=body)


# -- the signed-in user ----------------------------------------------------------------------------


@user.get("/me", response_model=MePublic)
def read_me(session: SessionDep, principal: CurrentPrincipal) -> MePublic:
    """The caller's account, and the tenant, role and permissions of this request."""
    me = services.current_user(session, principal)
    return MePublic(
        **UserPublic.model_validate(me).model_dump(),
        tenant_id=principal.tenant.tenant_id if principal.tenant else None,
        role=principal.role,
        permissions=sorted(
            p for p in principal.permissions if principal.scopes is None or p in principal.scopes
        ),
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
    )


@user.patch("/me", response_model=UserPublic, responses=problem_responses(400, 403, 409, 422))
def update_me(session: SessionDep, principal: CurrentPrincipal, body: UserUpdateMe) -> UserPublic:
    return UserPublic.model_validate(services.update_me(session, principal, data=body))


@user.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 403, 422),
)
def change_password(
    session: SessionDep,
    principal: CurrentPrincipal,
    current: SignInSession,
    body: UpdatePassword,
) -> None:
    """Change the password; the caller's other sign-in sessions end."""
    services.change_password(session, principal, data=body, keep_session=current)


# -- API access tokens (the caller's own, in their tenant) -------------------------------------


@user.post(
    "/tokens",
    response_model=AccessTokenCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_permission(TOKENS_PERMISSION))],
    responses=problem_responses(403, 422),
)
def create_access_token(
    session: SessionDep, principal: TenantPrincipal, body: AccessTokenCreate
) -> AccessTokenCreated:
    """Create a token for programs. `token` is in this response only: store it now."""
    return services.create_access_token(session, principal, data=body)


@user.get(
    "/tokens",
    response_model=AccessTokensPublic,
    dependencies=[Depends(require_permission(TOKENS_PERMISSION))],
)
def list_access_tokens(
    session: SessionDep, principal: TenantPrincipal, page: PageDep
) -> ListingResponse:
    return ListingResponse(services.access_tokens_listing(session, principal, page=page))


@user.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require_permission(TOKENS_PERMISSION))],
    responses=problem_responses(404),
)
def revoke_access_token(
    session: SessionDep, principal: TenantPrincipal, token_id: uuid.UUID
) -> None:
    services.revoke_access_token(session, principal, token_id)


# -- user administration (platform operators) --------------------------------------------------


@admin.get("/users", response_model=UsersPublic)
def list_users(
    session: SessionDep,
    _: PlatformAdmin,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=320, description="Part of an email or name")] = None,
) -> ListingResponse:
    return ListingResponse(services.users_listing(session, page=page, search=q))


@admin.post(
    "/users",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422),
)
def create_user(session: SessionDep, _: PlatformAdmin, body: UserCreate) -> UserPublic:
    created = services.create_user(
        session,
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        is_superadmin=body.is_superadmin,
        is_active=body.is_active,
    )
    return UserPublic.model_validate(created)


@admin.get("/users/{user_id}", response_model=UserPublic, responses=problem_responses(404))
def get_user(session: SessionDep, _: PlatformAdmin, user_id: uuid.UUID) -> UserPublic:
    return UserPublic.model_validate(services.require_user(session, user_id))


@admin.patch(
    "/users/{user_id}", response_model=UserPublic, responses=problem_responses(404, 409, 422)
)
def update_user(
    session: SessionDep, _: PlatformAdmin, user_id: uuid.UUID, body: UserUpdate
) -> UserPublic:
    """Change the name, activate or deactivate (its sessions and tokens stop working), or
    grant or withdraw platform operator rights."""
    return UserPublic.model_validate(services.update_user(session, user_id, data=body))
