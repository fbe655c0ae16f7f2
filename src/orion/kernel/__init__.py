"""The Orion kernel: the framework every module plugs into. It imports no module."""
