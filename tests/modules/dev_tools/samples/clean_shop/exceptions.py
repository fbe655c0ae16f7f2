"""clean_shop errors."""

from orion.kernel.errors import NotFound, OrionError


class CleanShopError(OrionError):
    code = "clean_shop_error"


class OrderNotFound(CleanShopError, NotFound):
    code = "order_not_found"
