"""Which modules are on, per platform and per tenant, and the rules for switching them."""

from __future__ import annotations

import uuid

import pytest
from orion_testkit.widgets.models import WidgetHookLog
from sqlalchemy import select

from orion.kernel.contract.modules import ModuleDefinition, Registry, Tier
from orion.kernel.errors import NotFound
from orion.kernel.runtime.activation import ModuleActivationRefused, ModuleScope, ModuleStateService
from orion.kernel.runtime.models import ModuleState
from tests.helpers import OPERATOR, platform_session

PROBLEM_JSON = "application/problem+json"


def enabled_for(runtime, platform_id: uuid.UUID, tenant_id: uuid.UUID | None = None) -> set[str]:
    with runtime.database.unit_of_work() as session:
        return set(
            runtime.modules.enabled_codes(session, platform_id=platform_id, tenant_id=tenant_id)
        )


def hook_log(runtime, platform_id: uuid.UUID) -> list[tuple[str, uuid.UUID | None]]:
    with platform_session(runtime) as session:
        rows = session.scalars(
            select(WidgetHookLog).where(WidgetHookLog.platform_id == platform_id)
        ).all()
        return sorted(((row.hook, row.tenant_id) for row in rows), key=str)


def explode(session, scope: ModuleScope) -> None:
    """An `on_enable` hook that fails (used by the `fragile` module below)."""
    raise RuntimeError(f"fragile cannot start for {scope.label}")


# -- defaults ------------------------------------------------------------------------------


def test_optional_modules_are_off_until_enabled_and_the_others_always_on(
    runtime, platform_id, make_tenant
):
    tenant = make_tenant()

    for scope in (
        enabled_for(runtime, platform_id),
        enabled_for(runtime, platform_id, tenant.tenant_id),
    ):
        assert {"core", "testdir"} <= scope  # core and internal
        assert not scope & {"widgets", "gadgets"}


# -- requirements ------------------------------------------------------------------------------


def test_enabling_a_module_enables_its_requirements_first(runtime, platform_id, enable):
    assert enable("gadgets") == ["widgets", "gadgets"]

    assert {"widgets", "gadgets"} <= enabled_for(runtime, platform_id)
    assert enable("gadgets") == []  # already on: nothing changes


def test_enabling_without_requirements_is_refused_naming_them(runtime, platform_id):
    with (
        pytest.raises(ModuleActivationRefused) as refused,
        runtime.database.unit_of_work() as session,
    ):
        runtime.modules.enable(
            session, "gadgets", scope=ModuleScope(platform_id), with_requirements=False
        )

    assert "widgets" in str(refused.value)
    assert refused.value.extra["requires"] == ["widgets"]
    assert refused.value.status == 409
    assert not enabled_for(runtime, platform_id) & {"widgets", "gadgets"}


def test_without_requirements_is_fine_when_they_are_already_on(runtime, platform_id, enable):
    enable("widgets")

    with runtime.database.unit_of_work() as session:
        switched = runtime.modules.enable(
            session, "gadgets", scope=ModuleScope(platform_id), with_requirements=False
        )

    assert switched == ["gadgets"]


def test_disabling_a_module_another_enabled_module_requires_is_refused(
    runtime, platform_id, enable
):
    enable("gadgets")

    with pytest.raises(ModuleActivationRefused, match="gadgets") as refused:
        enable("widgets", on=False)

    assert refused.value.extra["required_by"] == ["gadgets"]
    assert "widgets" in enabled_for(runtime, platform_id)


def test_modules_switch_off_dependents_first(runtime, platform_id, enable):
    enable("gadgets")

    assert enable("gadgets", on=False) == ["gadgets"]
    assert enable("widgets", on=False) == ["widgets"]
    assert not enabled_for(runtime, platform_id) & {"widgets", "gadgets"}
    assert enable("widgets", on=False) == []  # already off


@pytest.mark.parametrize("code", ["core", "testdir"])
def test_core_and_internal_modules_cannot_be_disabled(runtime, platform_id, enable, code):
    with pytest.raises(ModuleActivationRefused, match=f"cannot disable {code}"):
        enable(code, on=False)

    assert enable(code) == []  # enabling them changes nothing
    assert code in enabled_for(runtime, platform_id)


def test_switching_an_unknown_module_is_not_found(enable):
    with pytest.raises(NotFound, match="nothing"):
        enable("nothing")
    with pytest.raises(NotFound, match="nothing"):
        enable("nothing", on=False)


# -- tenant overrides --------------------------------------------------------------------------


def test_a_tenant_override_turns_a_module_on_for_that_tenant_only(
    runtime, platform_id, make_tenant, enable
):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")

    assert enable("widgets", tenant_id=acme.tenant_id) == ["widgets"]

    assert "widgets" in enabled_for(runtime, platform_id, acme.tenant_id)
    assert "widgets" not in enabled_for(runtime, platform_id, globex.tenant_id)
    assert "widgets" not in enabled_for(runtime, platform_id)


def test_a_tenant_override_turns_a_module_off_for_that_tenant_only(
    runtime, platform_id, make_tenant, enable
):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets")

    assert enable("widgets", tenant_id=acme.tenant_id, on=False) == ["widgets"]

    assert "widgets" not in enabled_for(runtime, platform_id, acme.tenant_id)
    assert "widgets" in enabled_for(runtime, platform_id, globex.tenant_id)
    assert "widgets" in enabled_for(runtime, platform_id)


def test_a_platform_never_sees_another_platforms_switches(runtime, platform_id, enable):
    elsewhere = uuid.uuid4()
    enable("widgets", platform_id=elsewhere)

    assert "widgets" in enabled_for(runtime, elsewhere)
    assert "widgets" not in enabled_for(runtime, platform_id)


def test_an_explicit_tenant_switch_outlives_a_platform_change(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("widgets")
    enable("widgets", tenant_id=acme.tenant_id)  # on already, through the platform

    enable("widgets", on=False)

    assert "widgets" in enabled_for(runtime, platform_id, acme.tenant_id)


def test_a_tenant_override_lets_the_tenant_follow_the_platform_again_when_cleared(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("widgets", tenant_id=acme.tenant_id)

    with runtime.database.unit_of_work() as session:
        runtime.modules.clear_override(
            session, "widgets", scope=ModuleScope(platform_id, acme.tenant_id)
        )

    assert "widgets" not in enabled_for(runtime, platform_id, acme.tenant_id)


def test_clearing_an_override_runs_the_hook_of_the_change_it_makes(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("widgets", tenant_id=acme.tenant_id)

    with runtime.database.unit_of_work() as session:
        switched = runtime.modules.clear_override(
            session, "widgets", scope=ModuleScope(platform_id, acme.tenant_id)
        )

    assert switched == ["widgets"]
    assert ("disable", acme.tenant_id) in hook_log(runtime, platform_id)


def test_clearing_an_override_a_dependent_relies_on_is_refused(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("gadgets", tenant_id=acme.tenant_id)  # widgets and gadgets, for acme only

    with (
        pytest.raises(ModuleActivationRefused, match="gadgets"),
        runtime.database.unit_of_work() as session,
    ):
        runtime.modules.clear_override(
            session, "widgets", scope=ModuleScope(platform_id, acme.tenant_id)
        )

    assert {"widgets", "gadgets"} <= enabled_for(runtime, platform_id, acme.tenant_id)


def test_platform_disable_is_refused_while_a_tenant_override_keeps_a_dependent_on(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("widgets")
    assert enable("gadgets", tenant_id=acme.tenant_id) == ["gadgets"]

    with pytest.raises(ModuleActivationRefused, match="gadgets"):
        enable("widgets", on=False)

    assert {"widgets", "gadgets"} <= enabled_for(runtime, platform_id, acme.tenant_id)


def test_platform_disable_is_allowed_when_the_tenant_keeps_the_requirement_itself(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("widgets")
    enable("gadgets", tenant_id=acme.tenant_id)
    enable("widgets", tenant_id=acme.tenant_id)

    assert enable("widgets", on=False) == ["widgets"]

    assert {"widgets", "gadgets"} <= enabled_for(runtime, platform_id, acme.tenant_id)
    assert "widgets" not in enabled_for(runtime, platform_id)


def test_a_tenant_cannot_drop_a_requirement_it_still_uses(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("gadgets")

    with pytest.raises(ModuleActivationRefused, match="gadgets"):
        enable("widgets", tenant_id=acme.tenant_id, on=False)


def test_platform_enable_is_refused_while_a_tenant_override_keeps_a_requirement_off(
    runtime, platform_id, make_tenant, enable
):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets")
    enable("widgets", tenant_id=acme.tenant_id, on=False)

    with pytest.raises(ModuleActivationRefused, match="widgets") as refused:
        enable("gadgets")

    assert str(acme.tenant_id) in str(refused.value)
    for tenant in (acme, globex):
        assert "gadgets" not in enabled_for(runtime, platform_id, tenant.tenant_id)

    # Keeping the tenant out of gadgets as well resolves it.
    enable("gadgets", tenant_id=acme.tenant_id, on=False)
    assert enable("gadgets") == ["gadgets"]
    assert "gadgets" in enabled_for(runtime, platform_id, globex.tenant_id)
    assert not enabled_for(runtime, platform_id, acme.tenant_id) & {"widgets", "gadgets"}


# -- hooks -----------------------------------------------------------------------------------


def test_enable_and_disable_hooks_run_for_the_scope_switched(
    runtime, platform_id, make_tenant, enable
):
    acme = make_tenant("Acme")

    enable("widgets")
    enable("widgets", tenant_id=acme.tenant_id, on=False)
    enable("widgets", tenant_id=acme.tenant_id)
    enable("gadgets", on=False)  # already off: no hook

    assert hook_log(runtime, platform_id) == sorted(
        [("enable", None), ("disable", acme.tenant_id), ("enable", acme.tenant_id)], key=str
    )


def test_a_failing_hook_leaves_nothing_half_changed(runtime, platform_id):
    fragile = ModuleDefinition(
        code="fragile",
        name="Fragile",
        version="1.0.0",
        tier=Tier.OPTIONAL,
        requires=("widgets",),
        on_enable=f"{__name__}:explode",
    )
    modules = ModuleStateService(Registry([*runtime.registry, fragile]))

    with (
        pytest.raises(RuntimeError, match="fragile cannot start"),
        runtime.database.unit_of_work() as session,
    ):
        modules.enable(session, "fragile", scope=ModuleScope(platform_id))

    with platform_session(runtime) as session:
        states = session.scalars(
            select(ModuleState).where(ModuleState.platform_id == platform_id)
        ).all()
    assert states == []
    assert hook_log(runtime, platform_id) == []  # widgets' enable hook rolled back too


# -- the admin API ---------------------------------------------------------------------------


def admin_switch(client, code: str, action: str, platform_id: uuid.UUID, **body: object):
    return client.post(
        f"/api/v1/admin/core/modules/{code}/{action}",
        params={"platform_id": str(platform_id)},
        json={
            key: str(value) if isinstance(value, uuid.UUID) else value
            for key, value in body.items()
        },
        headers=OPERATOR,
    )


def test_an_operator_enables_a_module_and_its_requirements(client, runtime, platform_id):
    response = admin_switch(client, "gadgets", "enable", platform_id)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "module": "gadgets",
        "changed": ["widgets", "gadgets"],
        "enabled": True,
    }
    assert {"widgets", "gadgets"} <= enabled_for(runtime, platform_id)


def test_an_operator_lists_the_modules_and_their_state(client, platform_id, enable):
    enable("widgets")

    response = client.get(
        "/api/v1/admin/core/modules", params={"platform_id": str(platform_id)}, headers=OPERATOR
    )

    assert response.status_code == 200
    modules = {module["code"]: module for module in response.json()["data"]}
    assert modules["widgets"]["enabled"] is True
    assert modules["gadgets"]["enabled"] is False
    assert modules["gadgets"]["requires"] == ["widgets>=1.0,<2"]
    assert modules["core"] == modules["core"] | {"tier": "core", "enabled": True}


def test_an_operator_switches_a_module_for_one_tenant(client, runtime, platform_id, make_tenant):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")

    response = admin_switch(client, "widgets", "enable", platform_id, tenant_id=acme.tenant_id)

    assert response.status_code == 200, response.text
    assert response.json()["changed"] == ["widgets"]
    assert "widgets" in enabled_for(runtime, platform_id, acme.tenant_id)
    assert "widgets" not in enabled_for(runtime, platform_id, globex.tenant_id)

    response = client.get(
        "/api/v1/admin/core/modules",
        params={"platform_id": str(platform_id), "tenant_id": str(acme.tenant_id)},
        headers=OPERATOR,
    )
    assert {m["code"]: m["enabled"] for m in response.json()["data"]}["widgets"] is True


def test_an_operator_disables_a_module(client, runtime, platform_id, enable):
    enable("widgets")

    response = admin_switch(client, "widgets", "disable", platform_id)

    assert response.status_code == 200, response.text
    assert response.json() == {"module": "widgets", "changed": ["widgets"], "enabled": False}
    assert "widgets" not in enabled_for(runtime, platform_id)


def test_a_refused_disable_answers_409_naming_the_blocker(client, runtime, platform_id, enable):
    enable("gadgets")

    response = admin_switch(client, "widgets", "disable", platform_id)

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["code"] == "module_activation_refused"
    assert problem["status"] == 409
    assert "gadgets" in problem["detail"]
    assert problem["required_by"] == ["gadgets"]
    assert "widgets" in enabled_for(runtime, platform_id)


def test_a_refused_enable_without_requirements_answers_409_naming_them(client, platform_id):
    response = admin_switch(client, "gadgets", "enable", platform_id, with_requirements=False)

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "module_activation_refused"
    assert "widgets" in response.json()["detail"]
    assert response.json()["requires"] == ["widgets"]


def test_disabling_a_core_module_through_the_api_is_refused(client, platform_id):
    response = admin_switch(client, "core", "disable", platform_id)

    assert response.status_code == 409
    assert response.json()["code"] == "module_activation_refused"
    assert "core" in response.json()["detail"]


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_switching_an_unknown_module_answers_404(client, platform_id, action):
    response = admin_switch(client, "nothing", action, platform_id)

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "not_found"
    assert "nothing" in response.json()["detail"]
