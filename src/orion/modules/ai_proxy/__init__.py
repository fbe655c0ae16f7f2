"""ai_proxy: an OpenAI-compatible gateway at /v1 (chat completions streamed or not,
embeddings, models) that routes each model to its provider with the tenant's or the
platform's key (api_keys), translates Anthropic's Messages API, retries and falls back,
rate-limits per tenant and access token, and meters every call in credits: the worst case
held before the provider is called, what it reported settled after.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Permission, Tier
from orion.modules.ai_proxy.settings import AiProxySettings

definition = ModuleDefinition(
    code="ai_proxy",
    name="AI gateway",
    version="1.0.0",
    tier=Tier.OPTIONAL,
    description="OpenAI-compatible gateway at /v1, metered in credits",
    requires=("tenancy", "credits", "api_keys"),
    models="orion.modules.ai_proxy.models",
    settings=AiProxySettings,
    routers={
        "openai": "orion.modules.ai_proxy.routes:gateway",
        "api": "orion.modules.ai_proxy.routes:api",
        "admin": "orion.modules.ai_proxy.routes:admin",
        "console": "orion.modules.ai_proxy.console:pages",
        "console_admin": "orion.modules.ai_proxy.console:admin_pages",
    },
    permissions=(
        Permission(
            "ai_proxy.use",
            "Call models through the gateway (/v1)",
            roles=("tenant_admin", "staff", "user"),
        ),
        Permission(
            "ai_proxy.read", "See AI usage, prices and limits", roles=("tenant_admin", "staff")
        ),
    ),
    menu=(
        MenuItem(
            section="tenant",
            label="AI usage",
            path="/console/ai_proxy/",
            permission="ai_proxy.read",
            order=45,
        ),
        MenuItem(
            section="platform", label="AI models", path="/console/platform/ai_proxy/", order=45
        ),
    ),
    on_install="orion.modules.ai_proxy.demo:seed_demo",
    provides={
        "openai_problem_renderer": "orion.modules.ai_proxy.routes:openai_problem",
        "dashboard_cards": "orion.modules.ai_proxy.dashboard:dashboard_cards",
    },
)
