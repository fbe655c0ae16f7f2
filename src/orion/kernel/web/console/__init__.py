"""The console: server-rendered pages under /console/ (Jinja2, HTMX, Pico CSS).

The kernel provides the shell; modules provide pages. A module adds a page by adding a
route to a router it names in its definition and a template in its own folder:

    routers={"console": "orion.modules.billing.console:router"}    # /console/billing/...
    routers={"console_admin": "...:router"}                         # /console/platform/billing/...
    routers={"console_public": "...:router"}                        # /console/... (no sign-in)

    # orion/modules/billing/console.py
    router = APIRouter()

    @router.get("/")
    def overview(page: ConsolePage, session: SessionDep) -> HTMLResponse:
        return page.render("billing/console/overview.html", plan=...)

Templates are looked up in every module's `templates/` folder (so `billing/console/...`
lives in `orion/modules/billing/templates/billing/console/`) and in the kernel's, which has
`console/base.html` to extend and `console/macros.html` (tables, forms with field errors,
pagination). `console` pages need a signed-in tenant member and the module enabled for the
tenant (404 otherwise: a disabled module's pages do not exist for that tenant);
`console_admin` pages need a platform operator (403). Every form is protected against CSRF
(`{{ csrf_field() }}`; HTMX requests send the token in a header); menus come from the
modules' `MenuItem`s, filtered by the enabled modules and the user's permissions.
"""

from orion.kernel.web.console.forms import FormPage
from orion.kernel.web.console.pages import install_console
from orion.kernel.web.console.shell import (
    ConsolePage,
    ConsoleStore,
    FormData,
    FormErrors,
    PageContext,
    StoreChoice,
    attempt,
    console_gate,
    operator_gate,
    parse_form,
    public_page,
)

__all__ = [
    "ConsolePage",
    "ConsoleStore",
    "FormData",
    "FormErrors",
    "FormPage",
    "PageContext",
    "StoreChoice",
    "attempt",
    "console_gate",
    "install_console",
    "operator_gate",
    "parse_form",
    "public_page",
]
