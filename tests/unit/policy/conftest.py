"""Fixtures for the policy-layer tests: the two example policies as text, and a way to run the CLI.

Broken variants are made in each test by editing the example text, so every test states exactly
what it breaks and the examples stay the single source of a valid policy.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from tierline.cli.main import app
from tierline.policy import example_path


@pytest.fixture(scope="session")
def saas_text() -> str:
    return example_path("saas_support").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bank_text() -> str:
    return example_path("retail_bank").read_text(encoding="utf-8")


@pytest.fixture()
def cli() -> Callable[..., object]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> object:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
