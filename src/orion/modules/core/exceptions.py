from orion.kernel.errors import NotFound, OrionError


class CoreError(OrionError):
    code = "core_error"


class SettingNotFound(NotFound):
    code = "setting_not_found"
