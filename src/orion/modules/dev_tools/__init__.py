"""dev_tools: architecture scans of Orion's own source and test runs, as background jobs,
for platform superadmins only.

A scan (`dev_tools.execute_code_quality_scan`) parses the source with `ast` and checks it
against the architecture rules (`orion.modules.dev_tools.scanning`); a test run
(`dev_tools.execute_test_run`) runs pytest in a subprocess and stores its JUnit results.
Both run on the `long_running` queue. `orion dev scan` runs the same scan in the terminal.
`ORION_MODULES__DEV_TOOLS__ENABLED=false` switches the module off for a deployment: its
routes and pages answer 404 and its tasks refuse to run.
"""

from orion.kernel.contract.modules import MenuItem, ModuleDefinition, Tier
from orion.modules.dev_tools.settings import DevToolsSettings

definition = ModuleDefinition(
    code="dev_tools",
    name="Developer tools",
    version="1.0.0",
    tier=Tier.INTERNAL,
    description="Architecture scans and test runs as background jobs",
    models="orion.modules.dev_tools.models",
    routers={
        "admin": "orion.modules.dev_tools.routes:admin",
        "console_admin": "orion.modules.dev_tools.console:pages",
    },
    menu=(
        MenuItem(
            section="platform",
            label="Architecture",
            path="/console/platform/dev_tools/",
            order=90,
        ),
        MenuItem(
            section="platform",
            label="Test runs",
            path="/console/platform/dev_tools/test-runs",
            order=91,
        ),
    ),
    settings=DevToolsSettings,
    tasks_path="orion.modules.dev_tools.tasks",
    task_queue="long_running",
    commands={"dev": "orion.modules.dev_tools.cli:app"},
)
