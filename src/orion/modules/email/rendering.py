"""Message templates: Jinja2 files, a subject, a plain-text body and an optional HTML body.

A template `name` is three files in a `templates/email/` folder: `<name>.subject.txt`,
`<name>.txt` and (optionally) `<name>.html`. The email module's own (`invitation`,
`password_reset`, `test`) are named plainly; another module ships its templates in its
own `templates/email/` folder and names them `<code>/<name>` (e.g. `orders/order_paid`).
HTML is autoescaped; a variable the template uses but the context lacks is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from orion.modules.email.exceptions import EmailTemplateNotFound

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

OWN_TEMPLATES = Path(__file__).parent / "templates" / "email"
_CACHE_KEY = "email.templates"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def environment(runtime: Runtime) -> jinja2.Environment:
    """One Jinja2 environment per runtime, over every installed module's mail templates."""
    env = runtime.extras.get(_CACHE_KEY)
    if env is None:
        others = {
            definition.code: jinja2.FileSystemLoader(definition.path / "templates" / "email")
            for definition in runtime.registry.ordered
            if definition.code != "email" and (definition.path / "templates" / "email").is_dir()
        }
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(OWN_TEMPLATES), jinja2.PrefixLoader(others)]
            ),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html",), default_for_string=False
            ),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        runtime.extras[_CACHE_KEY] = env
    return env


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> Rendered:
    try:
        subject_template = env.get_template(f"{name}.subject.txt")
        text_template = env.get_template(f"{name}.txt")
    except jinja2.TemplateNotFound:
        raise EmailTemplateNotFound(
            f"no email template {name!r} (looked for {name}.subject.txt and {name}.txt)",
            template=name,
        ) from None
    try:
        html_template: jinja2.Template | None = env.get_template(f"{name}.html")
    except jinja2.TemplateNotFound:
        html_template = None
    subject = _SPACES.sub(" ", subject_template.render(context)).strip()[:500]
    return Rendered(
        subject=subject,
        text=text_template.render(context),
        html=html_template.render(context) if html_template is not None else None,
    )
