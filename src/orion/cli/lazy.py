"""Module command groups (`commands=` in a ModuleDefinition), listed without importing them.

`orion --help` must stay cheap, yet a module's definition imports its settings schema
(Pydantic, sometimes the kernel's data layer) and its command group imports its services.
So the names are read from the definition's source: `commands={"tenants": "pkg.cli:app"}`
written as a literal, as every module written from the scaffold does. A definition that
builds the mapping otherwise is imported instead. The group's Typer app is imported only
when one of its commands runs (or its own --help is asked for).
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from typer import Context
    from typer.core import _click

    Command = _click.Command

BUILTIN_PACKAGE = "orion.modules"
ENTRY_POINT_GROUP = "orion.modules"


@dataclass(frozen=True, slots=True)
class ModuleCommand:
    name: str
    path: str  # "package.cli:app"
    help: str


def module_packages() -> list[str]:
    """Built-in module packages, then the `orion.modules` entry points (as the registry)."""
    spec = importlib.util.find_spec(BUILTIN_PACKAGE)
    packages = []
    for location in spec.submodule_search_locations or () if spec else ():
        packages += sorted(
            f"{BUILTIN_PACKAGE}.{child.name}"
            for child in Path(location).iterdir()
            if (child / "__init__.py").is_file()
        )
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        package = entry_point.value.partition(":")[0]
        if package not in packages:
            packages.append(package)
    return packages


def module_commands() -> dict[str, ModuleCommand]:
    found: dict[str, ModuleCommand] = {}
    for package in module_packages():
        for command in _commands_of(package):
            found.setdefault(command.name, command)
    return found


def _commands_of(package: str) -> list[ModuleCommand]:
    source = _source_of(package)
    literal = _definition_keywords(source) if source is not None else None
    if literal is None:
        return _imported_commands(package)
    commands, description = literal
    return [
        ModuleCommand(name, path, _typer_help(path) or description)
        for name, path in commands.items()
    ]


def _source_of(module: str) -> str | None:
    """The source of `module`, found without importing it or its parent packages (a
    module's package `__init__` is its definition, which is what must not be imported)."""
    top, *parts = module.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or ())
    origin = spec.origin
    for part in parts:
        origin = None
        for location in locations:
            package, plain = Path(location) / part, Path(location) / f"{part}.py"
            if (package / "__init__.py").is_file():
                origin, locations = str(package / "__init__.py"), [str(package)]
                break
            if plain.is_file():
                origin, locations = str(plain), []
                break
        if origin is None:
            return None
    if not origin or not origin.endswith(".py"):
        return None
    try:
        return Path(origin).read_text(encoding="utf-8")
    except OSError:
        return None


def _definition_keywords(source: str) -> tuple[dict[str, str], str] | None:
    """(commands, description) of the `ModuleDefinition(...)` call, when both are literals
    (no `commands=` is an empty mapping); None when the source must be imported to know."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _called_name(node.func) == "ModuleDefinition"):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        if None in keywords:  # ModuleDefinition(**options): not readable from the source
            return None
        try:
            commands = ast.literal_eval(keywords["commands"]) if "commands" in keywords else {}
            description = ast.literal_eval(keywords.get("description", ast.Constant("")))
        except ValueError:
            return None
        if not isinstance(commands, dict) or not isinstance(description, str):
            return None
        return {str(name): str(path) for name, path in commands.items()}, description
    return None


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _typer_help(path: str) -> str | None:
    """The `help=` of `<attribute> = typer.Typer(help="...")` in the command group's module."""
    module, _, attribute = path.partition(":")
    source = _source_of(module)
    if source is None:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if not any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets):
            continue
        for keyword in node.value.keywords:
            if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return None


def _imported_commands(package: str) -> list[ModuleCommand]:
    from orion.kernel.contract.modules import RegistryError, load_definition

    try:
        definition = load_definition(package)
    except RegistryError:
        return []  # the commands that need the registry report what is wrong with it
    return [
        ModuleCommand(name, path, _typer_help(path) or definition.description)
        for name, path in definition.commands.items()
    ]


class _Unloaded(TyperCommand):
    """Stands for a module's command group in `orion --help` until it is run."""

    def __init__(self, command: ModuleCommand) -> None:
        super().__init__(name=command.name, help=command.help)
        self.module_command = command


class OrionGroup(TyperGroup):
    """The top-level `orion` group: module command groups are loaded when run."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._module_commands: dict[str, ModuleCommand] | None = None

    @property
    def module_commands(self) -> dict[str, ModuleCommand]:
        if self._module_commands is None:
            self._module_commands = {
                name: command
                for name, command in module_commands().items()
                if name not in self.commands  # a kernel command keeps its name
            }
        return self._module_commands

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *sorted(self.module_commands)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.module_commands:
            command = _Unloaded(self.module_commands[cmd_name])
        return command

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Unloaded):
            command = self._load(command.module_command)
        return name, command, rest

    def _load(self, module_command: ModuleCommand) -> Command:
        import typer.main

        from orion.kernel.contract.modules import resolve

        loaded = typer.main.get_command(resolve(module_command.path))
        loaded.name = module_command.name
        self.commands[module_command.name] = loaded
        return loaded
