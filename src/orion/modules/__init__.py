"""Built-in modules. Each subpackage defines `definition = ModuleDefinition(...)`."""
