"""Deployment-wide settings of dev_tools (`ORION_MODULES__DEV_TOOLS__<KEY>`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DevToolsSettings(BaseModel):
    # False: every route and page answers 404 and the tasks refuse to run.
    enabled: bool = True
    # The file-size rule's limit (lines of one Python file).
    max_file_lines: int = Field(default=600, ge=50, le=100_000)
    # A test run's time limit unless its collection or request says otherwise.
    test_time_limit_seconds: int = Field(default=1800, ge=1, le=86_400)
    # How much of a run's output, and of one test's output, is stored.
    max_output_chars: int = Field(default=50_000, ge=1_000, le=5_000_000)


def dev_tools_settings(values: dict[str, object] | None) -> DevToolsSettings:
    return DevToolsSettings.model_validate(values or {})
