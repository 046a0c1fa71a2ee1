"""Jekyll's Liquid filters on python-liquid: `relative_url`, `absolute_url`, `date` and `date_to_*`.

Imported only when a post uses Liquid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from liquid import Environment
from liquid.builtin.filters.misc import date as liquid_date
from liquid.exceptions import FilterArgumentError
from liquid.filter import with_environment

from .liquid import LiquidSite


def add_jekyll_filters(env: Environment, site: LiquidSite) -> None:
    """Jekyll's URL and date filters, over `site`; "now" is `site.time`, never the wall clock."""
    # Jekyll's URL filters: a site path under the base path (and the origin); a full URL stays as it is.
    env.add_filter("relative_url", lambda value: str(value) if _is_full(value) else site.url(str(value)))
    env.add_filter("absolute_url", lambda value: str(value) if _is_full(value) else site.origin + site.url(str(value)))
    env.add_filter("date", with_environment(_date_filter(site)))
    env.add_filter("date_to_xmlschema", lambda value: _moment(value, site).isoformat())
    env.add_filter("date_to_rfc822", lambda value: format_datetime(_moment(value, site)))
    env.add_filter("date_to_string", lambda value: _moment(value, site).strftime("%d %b %Y"))
    env.add_filter("date_to_long_string", lambda value: _moment(value, site).strftime("%d %B %Y"))


def _is_full(value: Any) -> bool:
    return bool(urlsplit(str(value)).scheme)


def _date_filter(site: LiquidSite) -> Callable[..., str]:
    def date_filter(value: Any, fmt: Any, *, environment: Environment) -> str:
        if value in ("now", "today"):  # the site's time, never the wall clock
            value = _moment(value, site)
        return liquid_date(value, fmt, environment=environment)
    return date_filter


def _moment(value: Any, site: LiquidSite) -> datetime:
    if value in ("now", "today"):
        return site.time or datetime(1970, 1, 1, tzinfo=UTC)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise FilterArgumentError(f"'{value}' is not a date", token=None) from exc
