"""`orion marketplace import FILE --store STORE`: the feed imported here and now, with a
progress bar and the summary; exit 1 when the import did not succeed."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orion.modules.marketplace.cli import app as marketplace_cli
from tests.modules.marketplace.conftest import feed_text
from tests.modules.marketplace.test_imports import BAD, GOOD


def run(runtime, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ORION_LOG_JSON", "false")
    storage = runtime.settings.modules["marketplace"]["storage_dir"]  # the test's folder
    monkeypatch.setenv("ORION_MODULES", json.dumps({"marketplace": {"storage_dir": storage}}))
    return CliRunner().invoke(marketplace_cli, ["import", *args])


def store_code(shop) -> str:  # type: ignore[no-untyped-def]
    from orion.modules.tenancy import services as tenancy

    with shop.work() as session:
        return tenancy.stores.store(session, shop.tenant, shop.store_id).code


def test_a_feed_is_imported_from_the_command_line(shop, runtime, monkeypatch, tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text(feed_text(GOOD + BAD, delimiter=";"), encoding="cp1252")
    result = run(
        runtime,
        monkeypatch,
        str(feed),
        "--store",
        store_code(shop),
        "--tenant",
        str(shop.tenant.tenant_id),
        "--language",
        "de",
    )
    assert result.exit_code == 0, result.output
    assert "succeeded: 3 new, 0 changed, 0 unchanged, 3 bad row(s)" in result.output
    assert shop.products()["MUG"].titles == {"de": "Mug"}


def test_a_refused_file_exits_1(shop, runtime, monkeypatch, tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text(feed_text(GOOD + BAD), encoding="utf-8")
    result = run(
        runtime,
        monkeypatch,
        str(feed),
        "--store",
        store_code(shop),
        "--tenant",
        str(shop.tenant.tenant_id),
        "--policy",
        "stop",
    )
    assert result.exit_code == 1
    assert "stopped" in result.output and "nothing imported" in result.output


def test_a_store_is_found_by_its_id_alone(shop, runtime, monkeypatch, tmp_path):
    feed = tmp_path / "feed.tsv"
    feed.write_text(feed_text(GOOD), encoding="utf-8")
    result = run(runtime, monkeypatch, str(feed), "--store", str(shop.store_id))
    assert result.exit_code == 0, result.output
    assert "rows/s" in result.output and "succeeded: 3 new" in result.output
    refused = run(runtime, monkeypatch, str(feed), "--store", str(shop.store_id), "--policy", "all")
    assert refused.exit_code == 1 and "--policy" in refused.output
