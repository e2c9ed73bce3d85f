"""Public holidays from the ``holidays`` package, behind the domain's ``HolidayProvider``.

The domain calendar asks "which dates of year Y are holidays?" and knows nothing of where the
answer comes from. This adapter answers from ``holidays.country_holidays`` and caches each
(country, subdivision, year), because a calendar lays out its tables year by year and several
calendars and plans share one country.

Unknown countries and subdivisions are found when the policy is checked (:func:`region_problem`),
with a location in the file, rather than when a clock first needs a due date.
"""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache

from tierline.domain.calendar import CalendarSpec, HolidayProvider
from tierline.policy.errors import one_of


@cache
def _supported() -> dict[str, tuple[str, ...]]:
    import holidays

    return {code: tuple(subdivs) for code, subdivs in holidays.list_supported_countries().items()}


def region_problem(country: str, subdivision: str | None) -> tuple[str, str, str] | None:
    """None when the region is known, else (key, what is wrong, what is expected)."""
    supported = _supported()
    if country not in supported:
        return ("country", f"no holidays are known for country '{country}'", _country_hint(country))
    subdivs = supported[country]
    if (
        subdivision is not None
        and subdivision not in subdivs
        and not _is_alias(country, subdivision)
    ):
        expected = (
            one_of(subdivs, subdivision)
            if subdivs
            else f"expected none: {country} has no subdivisions"
        )
        return ("subdivision", f"'{subdivision}' is not a subdivision of {country}", expected)
    return None


def _country_hint(country: str) -> str:
    upper = country.upper()
    if upper in _supported():
        return f"did you mean '{upper}'?"
    return "expected an ISO 3166 country code known to the holidays package, such as DE, GB or US"


@lru_cache(maxsize=256)
def _is_alias(country: str, subdivision: str) -> bool:
    """Subdivision aliases (e.g. a region's name) are accepted by the package itself."""
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, KeyError, ValueError):
        return False
    return True


@lru_cache(maxsize=4096)
def _dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    import holidays

    if not 1 <= year <= 9999:
        return frozenset()
    found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(d for d in found if d.year == year)


def holiday_source(spec: CalendarSpec) -> HolidayProvider | None:
    """The holiday provider for a calendar spec, or None when it names no country.

    Raises ValueError (with the policy layer's message) for a region the package does not know;
    a validated policy never does.
    """
    country = spec.holiday_country
    if not country:
        return None
    problem = region_problem(country, spec.holiday_subdivision)
    if problem is not None:
        raise ValueError(f"calendar '{spec.name}': {problem[1]}; {problem[2]}")
    subdivision = spec.holiday_subdivision

    def provider(year: int) -> frozenset[date]:
        return _dates(country, subdivision, year)

    return provider
