"""The queries on the orders."""

from clean_shop.exceptions import OrderNotFound
from clean_shop.models import Order
from orion.kernel.data.repository import RepositoryBase


class OrderRepository(RepositoryBase[Order]):
    model = Order
    not_found = OrderNotFound
