"""The shape every rule module's table of cases takes, as pytest parameters."""

from __future__ import annotations

from typing import Any

import pytest

Cases = dict[str, list[tuple[str, str]]]
"""Written and spoken forms, by family of case."""


def spoken_forms(cases: Cases) -> Any:
    """`@spoken_forms(CASES)`: one test parameter (written, spoken) per case, named by its
    family and written form."""
    return pytest.mark.parametrize(
        ("written", "spoken"),
        [pytest.param(written, spoken, id=f"{family}: {written}")
         for family, family_cases in cases.items() for written, spoken in family_cases],
    )
