"""Tenancy's errors; each has a stable `code`."""

from orion.kernel.errors import (
    Conflict,
    Gone,
    NotFound,
    OrionError,
    PermissionDenied,
    Unauthenticated,
)
from orion.kernel.errors import StoreNotFound as KernelStoreNotFound
from orion.kernel.errors import TenantNotFound as KernelTenantNotFound


class TenancyError(OrionError):
    code = "tenancy_error"


class PlatformNotFound(NotFound):
    code = "platform_not_found"


class TenantNotFound(KernelTenantNotFound):
    pass


class StoreNotFound(KernelStoreNotFound):
    pass


class MemberNotFound(NotFound):
    code = "member_not_found"


class UserNotFound(NotFound):
    code = "user_not_found"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"


class PlatformCodeTaken(Conflict):
    code = "platform_code_taken"


class TenantSlugTaken(Conflict):
    code = "tenant_slug_taken"


class StoreCodeTaken(Conflict):
    code = "store_code_taken"


class DefaultPlatformProtected(Conflict):
    code = "default_platform_protected"


class PlatformNotEmpty(Conflict):
    code = "platform_not_empty"


class AlreadyMember(Conflict):
    code = "already_member"


class LastTenantAdmin(Conflict):
    code = "last_tenant_admin"


class InvitationPending(Conflict):
    code = "invitation_pending"


class InvitationUsed(Conflict):
    code = "invitation_used"


class InvitationExpired(Gone):
    code = "invitation_expired"


class InvitationRevoked(Gone):
    code = "invitation_revoked"


class InvitationPasswordMismatch(Unauthenticated):
    code = "invalid_credentials"


class InvitationAccountDisabled(PermissionDenied):
    """The invited email's account exists but is deactivated (auth's login answers the same
    code); accepting is refused and changes nothing."""

    code = "account_disabled"
