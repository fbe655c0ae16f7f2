"""Request dependencies of the auth routes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from orion.kernel.runtime import Runtime
from orion.kernel.tenancy import current_tenant, set_tenant
from orion.modules.auth.exceptions import KeepsChanges


def get_auth_session(request: Request) -> Iterator[Session]:
    """The request's unit of work, also committed when the endpoint raises an error that
    keeps its changes (a counted failed sign-in, a refresh family revoked for reuse)."""
    runtime: Runtime = request.app.state.runtime
    session = runtime.database.session()
    try:
        tenant = current_tenant.get()
        if tenant is not None:
            set_tenant(session, tenant)
        yield session
        session.commit()
    except KeepsChanges:
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


AuthSessionDep = Annotated[Session, Depends(get_auth_session, scope="function")]


def client_address(request: Request) -> str | None:
    """The caller's address as the server saw it (behind a proxy, run the server with its
    proxy-headers option so that this is the client's, not the proxy's)."""
    return request.client.host if request.client else None


ClientAddress = Annotated[str | None, Depends(client_address)]


def sign_in_session(request: Request) -> uuid.UUID | None:
    """The sign-in session (refresh family) of a caller using an access JWT."""
    return getattr(request.state, "auth_session_id", None)


SignInSession = Annotated[uuid.UUID | None, Depends(sign_in_session)]
