"""A real `orion worker` process killed with SIGKILL in the middle of an import: the
import resumes from its checkpoint, with no row lost and none written twice."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import build_runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.runtime.worker import create_celery
from orion.kernel.tooling import migrate
from orion.modules.catalog.models import Product
from orion.modules.marketplace.models import ProductImport
from orion.modules.marketplace.schemas import ImportPolicy
from orion.modules.marketplace.services import imports
from orion.modules.tenancy.schemas import StoreCreate, TenantCreate
from orion.modules.tenancy.services import create_store, create_tenant
from tests.conftest import BROKER_URL, DEPLOYMENT, drop_database, fresh_database_url, make_settings
from tests.helpers import platform_session, wait_for

pytestmark = pytest.mark.skipif(
    not BROKER_URL, reason="needs a broker shared between processes (ORION_TEST_BROKER_URL)"
)
ROOT = Path(__file__).resolve().parents[3]
ROWS = 12_000


@pytest.fixture
def deployment(tmp_path):
    url = fresh_database_url(tmp_path, "mpkill")
    modules = {
        "marketplace": {
            "import_chunk_rows": 100,
            "import_lease_seconds": 2,
            "storage_dir": str(tmp_path / "files"),
        }
    }
    try:
        runtime = build_runtime(make_settings(url, **DEPLOYMENT, modules=modules))
        migrate.upgrade(runtime)
        create_celery(runtime=runtime)
    except BaseException:
        drop_database(url)
        raise
    with runtime.database.unit_of_work() as session:
        tenant = create_tenant(
            session,
            runtime.directory.default_platform_id(session),
            data=TenantCreate(name="Kill test"),
        )
        context = TenantContext(tenant.id, tenant.platform_id)
        runtime.modules.enable(
            session, "marketplace", scope=ModuleScope(tenant.platform_id, tenant.id)
        )
        store = create_store(session, context, data=StoreCreate(code="killshop", name="Kill"))
    runtime.extras.update(tenant=context, store_id=store.id, modules=modules)
    yield runtime
    runtime.close()
    drop_database(url)


def start_worker(runtime):
    settings = runtime.settings
    env = {
        **os.environ,
        "ORION_DATABASE_URL": settings.database_url,
        "ORION_BROKER_URL": settings.broker_url or "",
        "ORION_BROKER_KEY_PREFIX": settings.broker_key_prefix,
        "ORION_MODULES": json.dumps(runtime.extras["modules"]),
        "ORION_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orion.cli",
            "worker",
            "-c",
            "1",
            "--pool",
            "solo",
            "-Q",
            "long_running",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def feed() -> bytes:
    lines = ["id\ttitle\tprice"] + [
        f"SKU-{n:06d}\tProduct {n}\t{n % 90 + 1}.50 EUR" for n in range(ROWS)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_an_import_resumes_after_its_worker_is_killed_with_no_row_lost_or_doubled(deployment):
    tenant, store_id = deployment.extras["tenant"], deployment.extras["store_id"]
    with deployment.database.unit_of_work(tenant=tenant) as session:
        row = imports.start_upload(
            session,
            tenant,
            store_id=store_id,
            language="en",
            policy=ImportPolicy.skip,
            filename="big.tsv",
            source=io.BytesIO(feed()),
        )
        import_id = row.id

    def progress():
        with platform_session(deployment) as session:
            found = session.get(ProductImport, import_id)
            return found.rows_done, found.state

    first = start_worker(deployment)
    try:
        assert wait_for(lambda: progress()[0] >= 300, timeout=120)
    finally:
        kill(first)  # SIGKILL between (or inside) chunks
    done_at_kill, state = progress()
    assert state == "running" and 0 < done_at_kill < ROWS
    with platform_session(deployment) as session:
        products = session.scalar(select(func.count()).select_from(Product))
    assert products == done_at_kill  # the checkpoint and the chunks committed together

    time.sleep(2.5)  # the dead run's lease goes stale
    second = start_worker(deployment)
    try:
        deployment.celery.send_task(
            imports.IMPORT_TASK,
            kwargs={"import_id": str(import_id), "tenant_id": str(tenant.tenant_id)},
        )
        assert wait_for(lambda: progress()[1] == "succeeded", timeout=300)
    finally:
        kill(second)
    with platform_session(deployment) as session:
        row = session.get(ProductImport, import_id)
        skus = session.scalars(select(Product.sku)).all()
    assert row.rows_done == ROWS and row.created_count == ROWS and row.failed_count == 0
    assert len(skus) == len(set(skus)) == ROWS
