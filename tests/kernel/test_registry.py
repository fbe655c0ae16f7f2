"""The module registry: validation, ordering, discovery and the schedule built from it."""

from __future__ import annotations

import pytest
from celery.schedules import crontab

from orion.kernel.contract.modules import (
    ModuleDefinition,
    Registry,
    RegistryError,
    ScheduledTask,
    Tier,
)
from orion.kernel.contract.points import AUTHENTICATOR, TENANT_DIRECTORY, ExtensionPoint
from orion.kernel.runtime.jobs import KERNEL_SCHEDULE
from orion.kernel.runtime.scheduling import FAN_OUT_TASK, beat_schedule
from tests.conftest import TESTKIT, TESTKIT_PROVIDERS


def module(
    code: str,
    *requires: str,
    tier: Tier = Tier.OPTIONAL,
    version: str = "1.0.0",
    **fields: object,
) -> ModuleDefinition:
    return ModuleDefinition(
        code=code,
        name=code.replace("_", " ").title() or "Nameless",
        version=version,
        tier=tier,
        requires=requires,
        **fields,  # type: ignore[arg-type]
    )


def registry_error(*definitions: ModuleDefinition) -> str:
    with pytest.raises(RegistryError) as raised:
        Registry(definitions)
    return str(raised.value)


# -- ordering ------------------------------------------------------------------------------


def test_requirements_are_loaded_before_the_modules_that_need_them():
    registry = Registry(
        [
            module("shop", "catalog", "payments"),
            module("payments", "ledger"),
            module("catalog"),
            module("ledger"),
        ]
    )

    codes = registry.codes
    assert codes.index("ledger") < codes.index("payments") < codes.index("shop")
    assert codes.index("catalog") < codes.index("shop")
    assert list(registry) == list(registry.ordered)
    assert len(registry) == 4


def test_core_modules_come_first_then_optional_then_internal():
    registry = Registry(
        [
            module("ops", tier=Tier.INTERNAL),
            module("extras"),
            module("base", tier=Tier.CORE),
        ]
    )

    assert registry.codes == ("base", "extras", "ops")


def test_a_requirement_cycle_is_refused_naming_the_modules_in_it():
    message = registry_error(module("a", "b"), module("b", "a"))

    assert "a -> b -> a" in message


def test_a_cycle_is_named_without_the_modules_that_merely_depend_on_it():
    message = registry_error(module("app", "b"), module("b", "c"), module("c", "b"))

    assert "b -> c -> b" in message
    assert "app" not in message


def test_a_module_requiring_itself_is_a_cycle():
    assert "a -> a" in registry_error(module("a", "a"))


def test_a_used_module_loads_first_but_is_neither_required_nor_switched_on_with_it():
    registry = Registry(
        [module("reports", "shop", uses=("ledger",)), module("shop"), module("ledger")]
    )

    codes = registry.codes
    assert codes.index("ledger") < codes.index("reports")
    assert registry.get("reports").required_codes == ("shop",)
    assert [d.code for d in registry.requirements_closure("reports")] == ["shop"]


def test_a_used_module_must_be_installed_and_a_core_one_uses_no_internal_ones():
    assert "reports uses ghost, which is not installed" in registry_error(
        module("reports", uses=("ghost",))
    )
    assert "a core module may only use core and optional modules" in registry_error(
        module("base", tier=Tier.CORE, uses=("tools",)), module("tools", tier=Tier.INTERNAL)
    )
    registry = Registry([module("base", tier=Tier.CORE, uses=("extras",)), module("extras")])
    assert registry.get("base").required_codes == ()
    assert "a -> b -> a" in registry_error(module("a", uses=("b",)), module("b", "a"))


def test_a_missing_requirement_names_both_modules():
    message = registry_error(module("shop", "ghost"))

    assert "shop" in message
    assert "ghost" in message
    assert "not installed" in message


def test_an_unmet_version_constraint_names_module_constraint_and_actual_version():
    message = registry_error(module("widgets", version="1.2.0"), module("gadgets", "widgets>=2"))

    assert "gadgets" in message
    assert "widgets>=2" in message
    assert "1.2.0" in message


def test_a_met_version_constraint_is_accepted():
    registry = Registry([module("widgets", version="1.2.0"), module("gadgets", "widgets>=1.0,<2")])

    assert registry.get("gadgets").required_codes == ("widgets",)


def test_a_malformed_version_constraint_is_refused():
    message = registry_error(module("widgets"), module("gadgets", "widgets=>2"))

    assert "gadgets" in message
    assert "widgets=>2" in message


@pytest.mark.parametrize("tier", [Tier.OPTIONAL, Tier.INTERNAL])
def test_a_core_module_may_not_require_a_module_that_can_be_off(tier):
    message = registry_error(module("base", "extras", tier=Tier.CORE), module("extras", tier=tier))

    assert "base" in message
    assert "extras" in message


# -- definitions ---------------------------------------------------------------------------


def test_a_module_code_may_be_defined_only_once():
    message = registry_error(module("widgets"), module("widgets", version="2.0.0"))

    assert "'widgets'" in message
    assert "twice" in message


@pytest.mark.parametrize("code", ["Widgets", "wid-gets", "1widgets", "_widgets", "wid gets"])
def test_a_module_code_must_be_lower_snake_case(code):
    assert code in registry_error(module(code))


def test_a_module_version_must_be_a_version():
    assert "not-a-version" in registry_error(module("widgets", version="not-a-version"))


@pytest.mark.parametrize(
    "cron",
    [
        "* * *",  # too few fields
        "0 2 * * * *",  # too many fields
        "99 * * * *",  # minute out of range
        "0 25 * * *",  # hour out of range
        "*/0 * * * *",  # zero step
        "0 2 * * someday",  # unknown weekday
    ],
)
def test_a_scheduled_task_needs_a_valid_cron_expression(cron):
    message = registry_error(
        module("widgets", scheduled_tasks=(ScheduledTask("widgets.nightly", cron=cron),))
    )

    assert "widgets.nightly" in message
    assert repr(cron) in message


def test_a_scheduled_task_is_named_after_its_module():
    message = registry_error(
        module("widgets", scheduled_tasks=(ScheduledTask("gadgets.nightly", cron="0 2 * * *"),))
    )

    assert "gadgets.nightly" in message
    assert "widgets.<action>" in message


def test_a_scheduled_task_uses_a_known_queue():
    message = registry_error(
        module(
            "widgets",
            scheduled_tasks=(ScheduledTask("widgets.nightly", cron="0 2 * * *", queue="urgent"),),
        )
    )

    assert "'urgent'" in message


def test_a_router_audience_must_be_a_known_one():
    message = registry_error(module("widgets", routers={"partners": "pkg.routes:partners"}))

    assert "widgets" in message
    assert "'partners'" in message


# -- discovery -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def discovered() -> Registry:
    return Registry.discover(extra=TESTKIT)


def test_discovery_finds_the_builtin_and_the_extra_modules(discovered):
    assert {"core", "testdir", "widgets", "gadgets"} <= set(discovered.codes)
    assert discovered.get("core").package == "orion.modules.core"
    assert discovered.get("widgets").package == "orion_testkit.widgets"
    assert discovered.get("widgets").tier is Tier.OPTIONAL
    codes = discovered.codes
    assert codes.index("testdir") < codes.index("widgets") < codes.index("gadgets")


def test_discovery_ignores_a_package_named_twice(discovered):
    again = Registry.discover(extra=[*TESTKIT, "orion_testkit.widgets", "orion.modules.core"])

    assert again.codes == discovered.codes


def test_an_unknown_module_is_an_error_naming_it(discovered):
    with pytest.raises(RegistryError, match="'nothing'"):
        discovered.get("nothing")
    assert "nothing" not in discovered


def test_dependents_are_the_modules_that_need_one_directly_or_indirectly(discovered):
    assert [d.code for d in discovered.dependents("gadgets")] == []
    assert [d.code for d in discovered.dependents("widgets")] == ["gadgets"]
    assert [d.code for d in discovered.dependents("testdir")] == ["widgets", "gadgets"]


def test_the_requirements_closure_lists_everything_needed_requirements_first(discovered):
    assert [d.code for d in discovered.requirements_closure("gadgets")] == ["testdir", "widgets"]
    assert [d.code for d in discovered.requirements_closure("widgets")] == ["testdir"]
    assert discovered.requirements_closure("core") == ()


def test_extension_points_are_served_by_the_chosen_provider():
    from orion_testkit.testdir.service import authenticate, directory

    registry = Registry.discover(extra=TESTKIT)
    with pytest.raises(RegistryError, match="all provide authenticator"):
        registry.provider(AUTHENTICATOR)
    for point, code in TESTKIT_PROVIDERS.items():
        registry.choose_provider(point, code)
    assert registry.provider(TENANT_DIRECTORY) is directory
    assert registry.provider(AUTHENTICATOR) is authenticate
    unprovided = ExtensionPoint("nobody_provides_this", object, many=False, description="")
    assert registry.provider(unprovided) is None


# -- the Beat schedule -----------------------------------------------------------------------


def test_the_beat_schedule_holds_every_modules_scheduled_tasks(discovered):
    schedule = beat_schedule(discovered, KERNEL_SCHEDULE)

    declared = [entry for definition in discovered for entry in definition.scheduled_tasks] + list(
        KERNEL_SCHEDULE
    )
    assert set(schedule) == {entry.name for entry in declared}
    for entry in declared:
        beat = schedule[entry.name]
        assert isinstance(beat["schedule"], crontab)
        assert beat["options"] == {"queue": entry.queue}

    health = schedule["core.snapshot_health"]
    assert health["task"] == "core.snapshot_health"
    assert health["schedule"] == crontab(minute="*/5")
    assert health["options"] == {"queue": "scheduled"}


def test_a_per_tenant_entry_fans_out_to_the_real_task(discovered):
    nightly = beat_schedule(discovered)["widgets.nightly_count"]

    assert nightly["task"] == FAN_OUT_TASK == "kernel.fan_out"
    assert nightly["kwargs"] == {
        "task": "widgets.count",
        "module": "widgets",
        "queue": "scheduled",
        "kwargs": {},
    }
    assert nightly["schedule"] == crontab(minute="0", hour="2")


def test_the_celery_app_carries_the_schedule_and_the_task_routes(runtime):
    conf = runtime.celery.conf

    assert conf.beat_schedule["core.snapshot_health"]["task"] == "core.snapshot_health"
    assert conf.beat_schedule["widgets.nightly_count"]["task"] == "kernel.fan_out"
    assert conf.beat_schedule["kernel.sweep_outbox"]["options"] == {"queue": "default"}
    assert conf.task_routes["widgets.echo"] == {"queue": "long_running"}
    assert conf.task_routes["widgets.count"] == {"queue": "default"}
    assert conf.task_routes["kernel.fan_out"] == {"queue": "scheduled"}
    assert {"widgets.count", "widgets.echo", "kernel.fan_out"} <= set(runtime.celery.tasks)
