"""Request dependencies of the auth routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request


def client_address(request: Request) -> str | None:
    """The caller's address as the server saw it (behind a proxy, run the server with its
    proxy-headers option so that this is the client's, not the proxy's)."""
    return request.client.host if request.client else None


ClientAddress = Annotated[str | None, Depends(client_address)]


def sign_in_session(request: Request) -> uuid.UUID | None:
    """The sign-in session (refresh family) of a caller using an access JWT."""
    return getattr(request.state, "auth_session_id", None)


SignInSession = Annotated[uuid.UUID | None, Depends(sign_in_session)]
