"""The YAML escalation policy: loading, validation with locations, versions, examples.

    >>> from tierline.policy import load_policy, example_path
    >>> loaded = load_policy(example_path("saas_support"))
    >>> loaded.policy.version.startswith("pv-")
    True

Invalid files raise :class:`PolicyError`, whose ``problems`` list every problem with its file,
line, column and key path (R-POL-2).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tierline.policy.errors import PolicyError, Problem
from tierline.policy.holidays import holiday_source
from tierline.policy.loader import (
    LoadedPolicy,
    calendar_book,
    check_file,
    load_policy,
    load_policy_text,
)
from tierline.policy.version import policy_version

__all__ = [
    "LoadedPolicy",
    "PolicyError",
    "Problem",
    "calendar_book",
    "check_file",
    "example_names",
    "example_path",
    "holiday_source",
    "load_policy",
    "load_policy_text",
    "policy_version",
]


def _examples_dir() -> Path:
    return Path(str(resources.files("tierline").joinpath("examples")))


def example_names() -> list[str]:
    """Names of the example policies shipped with the package (``saas_support``, …)."""
    return sorted(p.stem for p in _examples_dir().glob("*.yaml"))


def example_path(name: str) -> Path:
    """The packaged example policy ``name`` (with or without ``.yaml``)."""
    stem = name.removesuffix(".yaml")
    path = _examples_dir() / f"{stem}.yaml"
    if not path.is_file():
        raise KeyError(f"no example policy '{stem}'; expected one of: {', '.join(example_names())}")
    return path
