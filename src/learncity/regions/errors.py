"""Errors of the regions context that an operator meets when setting the city."""

from __future__ import annotations

from learncity.core.errors import DomainError


class CityAreaError(DomainError):
    """An area named for the city is none, several or not a 시·도 / 시·군·구.

    `details["candidates"]` lists the areas that fit (code and full name) where there are some.
    """

    code = "city_area_invalid"


class CityAreaEmpty(CityAreaError):
    code = "city_area_empty"


class CityAreaUnknown(CityAreaError):
    code = "city_area_unknown"


class CityAreaAmbiguous(CityAreaError):
    code = "city_area_ambiguous"


class CityAreaLevel(CityAreaError):
    code = "city_area_level"


class CitySettingError(DomainError):
    """A name, colour or emblem the city cannot have."""

    code = "city_setting_invalid"
