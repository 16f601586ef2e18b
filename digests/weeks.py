"""ISO weeks as commissioners live them: Monday 00:00 to Monday 00:00 local time, queried in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/London"
_LABEL = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True, order=True)
class Week:
    """One ISO week in one time zone; its UTC bounds move with the clocks (BST/GMT)."""

    year: int
    number: int
    zone: str = DEFAULT_ZONE

    def __post_init__(self) -> None:
        date.fromisocalendar(self.year, self.number, 1)  # refuses W53 in a 52-week year
        ZoneInfo(self.zone)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """Monday 00:00 local time, in UTC."""
        return _local_midnight(self.monday, self.zone)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 local time, in UTC: 167 or 169 hours later when clocks change."""
        return _local_midnight(self.monday + timedelta(days=7), self.zone)

    @property
    def span(self) -> tuple[datetime, datetime]:
        return (self.start, self.end)

    def shifted(self, weeks: int) -> Week:
        return week_of_date(self.monday + timedelta(weeks=weeks), self.zone)

    def before(self, count: int) -> tuple[Week, ...]:
        """The `count` weeks before this one, oldest first."""
        return tuple(self.shifted(-n) for n in range(count, 0, -1))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _local_midnight(day: date, zone: str) -> datetime:
    # Midnight exists in Europe/London on every day (clocks change at 01:00 UTC); where a zone
    # skips midnight, zoneinfo's fold=0 reading lands just after the gap, which is what we want.
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def week_of_date(day: date, zone: str = DEFAULT_ZONE) -> Week:
    year, number, _ = day.isocalendar()
    return Week(year, number, zone)


def parse_week(text: str, zone: str = DEFAULT_ZONE) -> Week:
    """Read an ISO week such as "2026-W47"."""
    match = _LABEL.fullmatch(text.strip())
    if not match:
        raise ValueError("a week is written like 2026-W47")
    try:
        return Week(int(match[1]), int(match[2]), zone)
    except ValueError:
        raise ValueError(f"{text.strip()} is not a week of {match[1]}") from None


def week_of(moment: datetime, zone: str = DEFAULT_ZONE) -> Week:
    """The week, in local time, that an aware moment falls in."""
    if moment.tzinfo is None:
        raise ValueError("the moment needs a time zone")
    return week_of_date(moment.astimezone(ZoneInfo(zone)).date(), zone)


def week_just_ended(now: datetime, zone: str = DEFAULT_ZONE) -> Week:
    """The last complete week before `now`: on a Monday morning, the week up to Sunday night."""
    return week_of(now, zone).shifted(-1)


def week_so_far(now: datetime, zone: str = DEFAULT_ZONE) -> tuple[Week, datetime]:
    """The week `now` is in, and `now` in UTC as the end of what can be counted yet."""
    return week_of(now, zone), now.astimezone(UTC)
