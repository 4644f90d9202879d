"""England and Wales working days: weekends and bank holidays do not count.

The bank holidays come from the maintained `holidays` package (never a hand-typed list):
`holidays.country_holidays("GB", subdiv="ENG")` gives New Year's Day, Good Friday, Easter Monday,
the early May, spring and summer bank holidays, Christmas Day, Boxing Day and their substitute
days (without `subdiv` it leaves out Easter Monday and the summer bank holiday). The sample
generator (`cjsperf.sample`) and the warehouse's `working_days` table (`cjsperf.db`) both read it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache  # the package works them out each call (0.3 s for a dozen years): once per process
def bank_holidays(first_year: int, last_year: int) -> tuple[date, ...]:
    """Every England and Wales bank holiday from 1 January `first_year` to 31 December
    `last_year`, ascending."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(days))


def working_days(first_year: int, last_year: int) -> list[date]:
    """Every working day (Monday to Friday, not a bank holiday) of those years, ascending."""
    closed = set(bank_holidays(first_year, last_year))
    d, end, out = date(first_year, 1, 1), date(last_year, 12, 31), []
    while d <= end:
        if d.weekday() < 5 and d not in closed:
            out.append(d)
        d += timedelta(days=1)
    return out
