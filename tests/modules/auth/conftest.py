import pytest


@pytest.fixture
def client_at(app):  # type: ignore[no-untyped-def]
    """A client calling from an address of its own (failed sign-ins count per address)."""
    import itertools
    import uuid

    from fastapi.testclient import TestClient

    clients = []
    numbers = itertools.count(1)
    run = uuid.uuid4().int % 200 + 1

    def make(address: str | None = None) -> TestClient:
        address = address or f"198.51.{run}.{next(numbers)}"
        client = TestClient(app, raise_server_exceptions=False, client=(address, 50000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def admin_headers(runtime, app):  # type: ignore[no-untyped-def]
    """A platform operator's headers, signed in once for these tests (hashing is slow)."""
    from fastapi.testclient import TestClient

    from orion.modules.auth import services
    from tests.helpers import PASSWORD, unique_email

    email = unique_email("operator")
    with runtime.database.unit_of_work() as session:
        services.create_user(session, email=email, password=PASSWORD, is_superadmin=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/api/v1/public/auth/login", data={"username": email, "password": PASSWORD}
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
