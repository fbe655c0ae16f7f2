"""Real servers on loopback that speak external services' protocols, for the tests."""
