"""Scales: map data values (numbers on a linear or log axis, dates) to SVG coordinates, with ticks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class LinearScale:
    lo: float
    hi: float
    start: float  # output for lo
    end: float  # output for hi

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.start + (value - self.lo) / span * (self.end - self.start)

    def ticks(self, count: int = 4) -> list[float]:
        """About `count` round values (1, 2 or 5 times a power of ten) inside the domain."""
        span = self.hi - self.lo
        if span <= 0:
            return [self.lo]
        raw = span / max(1, count)
        power = 10 ** math.floor(math.log10(raw))
        step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
        first = math.ceil(self.lo / step) * step
        return [round(first + i * step, 10) for i in range(int((self.hi - first) / step + 1e-9) + 1)]


@dataclass(frozen=True)
class LogScale:
    lo: float  # > 0
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        value = min(max(value, self.lo), self.hi)
        span = math.log10(self.hi) - math.log10(self.lo) or 1.0
        return self.start + (math.log10(value) - math.log10(self.lo)) / span * (self.end - self.start)

    def ticks(self) -> list[float]:
        """The powers of ten inside the domain."""
        low, high = math.ceil(math.log10(self.lo) - 1e-9), math.floor(math.log10(self.hi) + 1e-9)
        return [10.0**p for p in range(low, high + 1)]

    @classmethod
    def around(cls, values: list[float], start: float, end: float, *, floor: float, ceiling: float) -> LogScale:
        """Whole decades covering the values and [floor, ceiling]."""
        positive = [v for v in values if v > 0]
        lo = min([floor, *positive])
        hi = max([ceiling, *positive])
        return cls(10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi)), start, end)


@dataclass(frozen=True)
class TimeScale:
    first: date
    last: date
    start: float
    end: float

    def __call__(self, day: date) -> float:
        span = (self.last - self.first).days or 1
        return self.start + (day - self.first).days / span * (self.end - self.start)

    def ticks(self, count: int = 4) -> list[date]:
        """Month or year starts, about `count` of them, inside the span."""
        days = (self.last - self.first).days
        months = max(1, round(days / 30.44 / max(1, count)))
        for step in (1, 2, 3, 6, 12, 24, 36, 60):
            if step >= months:
                months = step
                break
        ticks, year, month = [], self.first.year, self.first.month
        while True:
            day = date(year, month, 1)
            if day > self.last:
                return ticks or [self.first]
            if day >= self.first:
                ticks.append(day)
            month += months
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1

    @classmethod
    def covering(cls, days: list[date], start: float, end: float) -> TimeScale:
        """A span over all days, padded by a day on each side (and never empty)."""
        first, last = min(days), max(days)
        return cls(first - timedelta(days=1), last + timedelta(days=1), start, end)
