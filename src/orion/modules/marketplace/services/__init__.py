"""Marketplace business logic, the module's public surface with `schemas` and `events`.

* `feed`, `rows`, `seen`: reading and checking product feeds (pure, constant memory);
* `imports`: product imports (chunks, checkpoint, lease, cancel, error report);
* `stock`: a feed's quantities through the inventory module;
* `client`: the Letzshop GraphQL client; `credentials`: keys and recorded calls;
* `shipments`: order sync, confirmations, tracking, returns; `historical`: the import of
  every past shipment; `directory`: the vendor directory; `exports`: feed and CSV files.

Functions take the session first, then the tenant they act for, then keyword-only
options; they flush, never commit — except the task bodies `run_*`, which commit their
task's session once per chunk or page (the checkpoint), as their docstrings say.
"""

from orion.modules.marketplace.services.credentials import (
    calls_listing,
    check_credential,
    client_for,
    delete_credential,
    get_credential,
    set_credential,
    stores_with_keys,
)
from orion.modules.marketplace.services.directory import sync_directory, vendors_listing
from orion.modules.marketplace.services.exports import (
    export_file,
    exports_listing,
    get_export,
    remove_old_exports,
    start_export,
)
from orion.modules.marketplace.services.historical import (
    get_historical_import,
    historical_listing,
    start_historical_import,
)
from orion.modules.marketplace.services.imports import (
    cancel_import,
    error_report,
    errors_listing,
    get_import,
    imports_listing,
    start_from_url,
    start_upload,
)
from orion.modules.marketplace.services.shipments import (
    decide_units,
    get_shipment,
    record_return,
    set_tracking,
    shipments_listing,
    sync_store,
)

__all__ = [
    "calls_listing",
    "cancel_import",
    "check_credential",
    "client_for",
    "decide_units",
    "delete_credential",
    "error_report",
    "errors_listing",
    "export_file",
    "exports_listing",
    "get_credential",
    "get_export",
    "get_historical_import",
    "get_import",
    "get_shipment",
    "historical_listing",
    "imports_listing",
    "record_return",
    "remove_old_exports",
    "set_credential",
    "set_tracking",
    "shipments_listing",
    "start_export",
    "start_from_url",
    "start_historical_import",
    "start_upload",
    "stores_with_keys",
    "sync_directory",
    "sync_store",
    "vendors_listing",
]
