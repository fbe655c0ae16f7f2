"""A test that does not end on its own: a run of it must be stopped at its time limit."""

import time

import pytest


def test_quick():
    pass


@pytest.mark.hang
def test_hangs():
    time.sleep(120)
