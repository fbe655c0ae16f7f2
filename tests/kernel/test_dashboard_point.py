"""The `dashboard_cards` extension point (many providers: each module on for a tenant adds
cards to its home page) and `mail_delivery` (one provider: would a tenant's mail leave)."""

from __future__ import annotations

import dataclasses

import pytest

from orion.kernel.contract.points import (
    DASHBOARD_CARDS,
    MAIL_DELIVERY,
    POINTS,
    DashboardCard,
    MailRoute,
)


def test_both_points_are_declared_once_with_how_many_answer():
    assert POINTS["dashboard_cards"] is DASHBOARD_CARDS and DASHBOARD_CARDS.many
    assert POINTS["mail_delivery"] is MAIL_DELIVERY and not MAIL_DELIVERY.many


def test_a_card_needs_only_a_title_and_a_figure_and_cannot_change():
    card = DashboardCard("Stores", 2)

    assert (card.detail, card.link, card.tone, card.todo, card.series) == (
        None,
        None,
        "neutral",
        False,
        None,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.figure = 3  # type: ignore[misc]


def test_a_provider_must_take_the_session_and_the_tenant():
    def fits(session, tenant):  # type: ignore[no-untyped-def]
        return []

    def wants_more(session, tenant, store):  # type: ignore[no-untyped-def]
        return []

    assert DASHBOARD_CARDS.misfit(fits) is None
    assert "does not take (session, tenant)" in (DASHBOARD_CARDS.misfit(wants_more) or "")
    assert "not a callable" in (MAIL_DELIVERY.misfit(MailRoute(sends=True)) or "")


def test_every_built_in_provider_fits(runtime):  # type: ignore[no-untyped-def]
    providers = dict(runtime.registry.all_providers(DASHBOARD_CARDS))

    assert {"credits", "ai_proxy", "billing"} <= set(providers)
    assert all(DASHBOARD_CARDS.misfit(p) is None for p in providers.values())
    assert MAIL_DELIVERY.misfit(runtime.registry.provider(MAIL_DELIVERY)) is None
