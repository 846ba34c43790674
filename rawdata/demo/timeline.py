"""The calendar the simulation runs on: seasonality, weekly and daily rhythm, campaigns.

Traffic is not uniform in real shops and the marts (funnel by day, cohort retention, attribution)
are only interesting when it is not: Nov/Dec and Black Friday week peak, summer dips, weekends and
evenings are busier, and paid/email traffic carries the campaign that is running that day.
Everything here is computed once per run as small per-day arrays that the chunks index into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
WEEK_US = 7 * DAY_US
EPOCH = date(1970, 1, 1)

# Monday .. Sunday
WEEKDAY_FACTOR = np.array([0.92, 0.90, 0.92, 0.95, 1.02, 1.22, 1.27])
# hour of day 0..23 (UTC is the shop's clock): quiet nights, a lunch bump, an evening peak.
HOUR_WEIGHT = np.array(
    [0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 1.8, 2.2, 2.4, 2.6,
     3.0, 2.9, 2.5, 2.4, 2.5, 2.9, 3.4, 4.0, 4.4, 4.1, 3.0, 1.7]
)  # fmt: skip
HOUR_CDF = np.cumsum(HOUR_WEIGHT) / HOUR_WEIGHT.sum()


def black_friday(year: int) -> date:
    """The Friday after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def season_factor(day: date) -> float:
    """Relative demand on `day`: the yearly shape of a consumer shop."""
    bf = black_friday(day.year)
    if bf - timedelta(days=4) <= day <= bf + timedelta(days=3):
        return 3.2 if day == bf else 2.4
    if day.month == 11:
        return 1.25
    if day.month == 12:
        return 1.6 if day.day <= 20 else (0.9 if day.day <= 26 else 1.15)
    if day.month == 1 and day.day <= 12:
        return 1.2
    return {6: 0.9, 7: 0.78, 8: 0.8, 2: 0.92}.get(day.month, 1.0)


def sale_campaign(day: date) -> str | None:
    """The site-wide sale running on `day`, as it appears in utm_campaign."""
    y = day.year
    bf = black_friday(y)
    if bf - timedelta(days=7) <= day <= bf + timedelta(days=3):
        return f"black_friday_{y}"
    if day.month == 12 and day.day <= 20:
        return f"christmas_{y}"
    if day.month == 1 and 2 <= day.day <= 20:
        return f"winter_sale_{y}"
    if date(y, 3, 20) <= day <= date(y, 4, 10):
        return f"spring_sale_{y}"
    if date(y, 6, 20) <= day <= date(y, 7, 10):
        return f"summer_sale_{y}"
    return None


@dataclass
class Timeline:
    """Per-day arrays for the window [start, end], both days inclusive."""

    start: date
    end: date
    day_dates: list[date] = field(init=False)
    day_weight: np.ndarray = field(init=False)  # season x weekday, per day
    on_sale: np.ndarray = field(init=False)  # bool per day
    campaigns: list[str] = field(init=False)  # campaign names; index 0 unused
    campaign_index: dict[str, int] = field(init=False)
    sale_idx: np.ndarray = field(init=False)  # per day: index into campaigns or 0
    newsletter_idx: np.ndarray = field(init=False)  # per day: index into campaigns

    def __post_init__(self) -> None:
        n = (self.end - self.start).days + 1
        if n < 7:
            raise ValueError("the generation window must span at least a week")
        self.day_dates = [self.start + timedelta(days=i) for i in range(n)]
        self.day_weight = np.array(
            [season_factor(d) * WEEKDAY_FACTOR[d.weekday()] for d in self.day_dates]
        )
        names: dict[str, int] = {"": 0}
        sale, letter = np.zeros(n, np.int32), np.zeros(n, np.int32)
        for i, d in enumerate(self.day_dates):
            s = sale_campaign(d)
            if s:
                sale[i] = names.setdefault(s, len(names))
            letter[i] = names.setdefault(f"newsletter_{d.year}_{d.month:02d}", len(names))
        for evergreen in ("always_on_search", "brand_search", "prospecting", "retargeting"):
            names.setdefault(evergreen, len(names))
        self.campaigns = list(names)
        self.campaign_index = names
        self.sale_idx, self.newsletter_idx = sale, letter
        self.on_sale = sale > 0

    @property
    def n_days(self) -> int:
        return len(self.day_dates)

    @property
    def n_weeks(self) -> int:
        return (self.n_days + 6) // 7

    @property
    def start_us(self) -> int:
        return (self.start - EPOCH).days * DAY_US

    @property
    def end_us(self) -> int:
        """The last microsecond of the window's last day."""
        return (self.end - EPOCH).days * DAY_US + DAY_US - 1

    def week_weight(self) -> np.ndarray:
        """Mean demand per simulation week (the last week may be partial)."""
        padded = np.zeros(self.n_weeks * 7)
        padded[: self.n_days] = self.day_weight
        return padded.reshape(-1, 7).mean(axis=1)

    def week_sale_share(self) -> np.ndarray:
        """Share of each week's days on which a sale runs: bargain hunters buy then."""
        padded = np.zeros(self.n_weeks * 7)
        padded[: self.n_days] = self.on_sale
        return padded.reshape(-1, 7).mean(axis=1)

    def sample_in_weeks(self, rng: np.random.Generator, weeks: np.ndarray) -> np.ndarray:
        """A timestamp (us) inside each given week, following the day and hour rhythm."""
        padded = np.zeros(self.n_weeks * 7)
        padded[: self.n_days] = self.day_weight
        cdf = np.cumsum(padded.reshape(-1, 7), axis=1)
        cdf /= cdf[:, -1:]
        u = rng.random(len(weeks))
        offset = (u[:, None] > cdf[weeks]).sum(axis=1)
        day = weeks * 7 + np.minimum(offset, 6)
        day = np.minimum(day, self.n_days - 1)
        return self.start_us + day * DAY_US + self.sample_time_of_day(rng, len(weeks))

    def sample_time_of_day(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Microseconds after midnight following HOUR_WEIGHT."""
        hour = np.searchsorted(HOUR_CDF, rng.random(n))
        return hour * HOUR_US + rng.integers(0, HOUR_US, n)

    def day_of(self, ts_us: np.ndarray) -> np.ndarray:
        """Index of the window day of each timestamp, clipped into the window."""
        return np.clip((ts_us - self.start_us) // DAY_US, 0, self.n_days - 1)


def to_datetime(ts_us: int) -> datetime:
    """Naive UTC datetime of a microsecond timestamp, for summaries and tests."""
    return datetime(1970, 1, 1) + timedelta(microseconds=int(ts_us))
