"""`orion demo`: each demo tenant has a conversation of its staff with a demo customer and
one with the platform's operator, messages signed with their authors' names; running the
demo again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import all_tenants
from orion.modules.messaging import services
from orion.modules.messaging.models import Conversation, Message
from orion.modules.messaging.services.participants import Participant
from orion.modules.tenancy import services as tenancy


def seed(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        tenancy.seed_demo(session, runtime)
        services.seed_demo(session, runtime)


def test_the_demo_tenants_talk_with_a_customer_and_with_the_platform(runtime):
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        tenants = tenancy.demo_tenants(session)
        counted = (
            session.scalar(select(func.count(Conversation.id))),
            session.scalar(select(func.count(Message.id))),
        )
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        again = (
            session.scalar(select(func.count(Conversation.id))),
            session.scalar(select(func.count(Message.id))),
        )
    assert again == counted

    tenant = tenants[0]
    admin = Participant(key="user:admin", side="staff", name="Admin")
    with runtime.database.unit_of_work(tenant=tenant) as session:
        listing = services.conversations_listing(session, tenant, who=admin, page=Page())
        kinds = {row.kind.value: row for row in listing.data}
        assert set(kinds) >= {"customer", "platform"}
        assert kinds["customer"].customer_name == "Anna Muller"
        messages = services.messages_listing(
            session, tenant, kinds["platform"].id, who=admin, page=Page()
        ).data
    names = [(m.author_side, m.author_name) for m in messages]
    assert names[0] == ("operator", "Platform Operator")
    assert names[1][0] == "staff" and names[1][1].endswith("Admin")
