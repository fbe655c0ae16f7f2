"""Three passed, one failed, one skipped, one error: what a test run must record exactly."""

import sys
import time

import pytest


def test_passes():
    time.sleep(0.2)
    sys.stdout.write("some output of a passing test\n")


@pytest.mark.parametrize("value", [1, 2])
def test_parametrized(value):
    assert value in (1, 2)


def test_fails():
    sys.stdout.write("output of a failing test\n")
    assert 1 + 1 == 3, "arithmetic is broken"


def test_skipped():
    pytest.skip("not today")


@pytest.fixture
def broken_fixture():
    raise RuntimeError("the fixture broke")


def test_errors(broken_fixture):
    pass
