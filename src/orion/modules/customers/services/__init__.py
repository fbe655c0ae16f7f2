"""Customers' public surface for other modules (with `schemas` and `events`).

Functions take the session first, then the tenant they act for, then keyword-only
options; they flush, never commit.
"""

from orion.modules.customers.services.accounts import (
    activate_customer,
    count_customers,
    create_customer,
    customer_detail,
    customer_of_store,
    customer_ref,
    customers_listing,
    deactivate_customer,
    ensure_customer,
    find_customer,
    get_customer,
    update_customer,
)
from orion.modules.customers.services.addresses import (
    add_address,
    delete_address,
    get_address,
    list_addresses,
    update_address,
)
from orion.modules.customers.services.demo import DEMO_PASSWORD, seed_demo
from orion.modules.customers.services.housekeeping import purge_expired
from orion.modules.customers.services.privacy import (
    erase_customer,
    erased_email,
    export_customer,
)
from orion.modules.customers.services.resets import request_password_reset, reset_password
from orion.modules.customers.services.sessions import (
    change_password,
    my_account,
    register,
    sign_in,
    sign_out,
    update_me,
    verify_customer_password,
)
from orion.modules.customers.services.tokens import (
    AUDIENCE,
    authenticate_customer,
    issue_token,
    revoke_sessions,
)

__all__ = [
    "AUDIENCE",
    "DEMO_PASSWORD",
    "activate_customer",
    "add_address",
    "authenticate_customer",
    "change_password",
    "count_customers",
    "create_customer",
    "customer_detail",
    "customer_of_store",
    "customer_ref",
    "customers_listing",
    "deactivate_customer",
    "delete_address",
    "ensure_customer",
    "erase_customer",
    "erased_email",
    "export_customer",
    "find_customer",
    "get_address",
    "get_customer",
    "issue_token",
    "list_addresses",
    "my_account",
    "purge_expired",
    "register",
    "request_password_reset",
    "reset_password",
    "revoke_sessions",
    "seed_demo",
    "sign_in",
    "sign_out",
    "update_address",
    "update_customer",
    "update_me",
    "verify_customer_password",
]
