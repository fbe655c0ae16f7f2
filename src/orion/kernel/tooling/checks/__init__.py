"""`orion modules check`: resolve everything each module definition names, and check that
each module has the shape the others have.

`check_registry(registry)` imports every path a definition names (models, routers, tasks,
handlers, health checks, hooks, extension points), mounts the routers on a throwaway app,
and checks the conventions the kernel relies on: task names `<code>.<action>`, scheduled
tasks that point at a declared task with a cron Beat can parse, event names
`<module>.<event>` declared by the publisher, menu permissions that some module declares,
tables prefixed `<code>_`, and a migration branch for every module that has tables
(`definitions`). Then the shape (`shape`): the files each part of a definition needs, a
console route behind every menu path, and a `requires` entry for every other module the
module's source imports.

It returns the problems as sentences that name the module and the field; it never raises.
"""

from orion.kernel.tooling.checks.definitions import check_registry

__all__ = ["check_registry"]
