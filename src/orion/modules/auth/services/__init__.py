"""Users, passwords, sign-in sessions, password reset and API access tokens.

The public surface other modules call: `create_user`, `get_user`, `get_users`,
`get_user_by_email`, `authenticate_password`, `issue_tokens`, `request_password_reset`,
`reset_password`. Functions take the session first, then the acting principal, then
keyword-only options; they flush, never commit.

* `passwords`: strength rules, hashing and verification;
* `users`: accounts, registration, the caller's own account;
* `sessions`: password sign-in, refresh token families, sign-out;
* `resets`: password reset tokens;
* `access_tokens`: API access tokens for programs;
* `housekeeping`: purging what expired.
"""

from orion.modules.auth.services.access_tokens import (
    ACCESS_TOKEN_PREFIX,
    access_tokens_listing,
    create_access_token,
    find_access_token,
    list_access_tokens,
    revoke_access_token,
    touch_access_token,
)
from orion.modules.auth.services.housekeeping import purge_expired
from orion.modules.auth.services.passwords import check_password_strength
from orion.modules.auth.services.resets import request_password_reset, reset_password
from orion.modules.auth.services.sessions import (
    CONSOLE_SESSION,
    console_sign_in,
    console_sign_out,
    issue_tokens,
    login,
    logout,
    refresh,
    revoke_sessions,
    session_active,
    user_and_session,
)
from orion.modules.auth.services.users import (
    authenticate_password,
    change_password,
    create_user,
    current_user,
    get_user,
    get_user_by_email,
    get_users,
    list_users,
    register,
    registration_open,
    require_user,
    update_me,
    update_user,
    users_listing,
)

__all__ = [
    "ACCESS_TOKEN_PREFIX",
    "CONSOLE_SESSION",
    "access_tokens_listing",
    "authenticate_password",
    "change_password",
    "check_password_strength",
    "console_sign_in",
    "console_sign_out",
    "create_access_token",
    "create_user",
    "current_user",
    "find_access_token",
    "get_user",
    "get_user_by_email",
    "get_users",
    "issue_tokens",
    "list_access_tokens",
    "list_users",
    "login",
    "logout",
    "purge_expired",
    "refresh",
    "register",
    "registration_open",
    "request_password_reset",
    "require_user",
    "reset_password",
    "revoke_access_token",
    "revoke_sessions",
    "session_active",
    "touch_access_token",
    "update_me",
    "update_user",
    "user_and_session",
    "users_listing",
]
