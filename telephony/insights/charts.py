"""Server-side SVG geometry for the insights charts (the templates draw what this computes).

Readable without colour: each outcome has its own fill pattern (solid, stripes, dots) and the
legend shows the same swatches; every bar segment and heatmap cell carries its number.
"""

from dataclasses import dataclass

from telephony.insights.figures import Week

SERIES = (
    ("answered", "Answered"),
    ("returned", "Missed, called back"),
    ("not_returned", "Missed, not called back"),
)
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 20, 40
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Segment:
    series: str
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def text_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + 4, 1)

    @property
    def labelled(self) -> bool:
        return self.height >= 14  # room for the number inside


@dataclass(frozen=True)
class Bar:
    week: Week
    label: str
    x: float
    width: float
    total_y: float
    segments: list[Segment]

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class WeeklyChart:
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM
    right_edge: int = WIDTH - RIGHT


def _tick_step(value: int) -> int:
    """The smallest round step of which four reach `value` (axis 0, step, … 4 × step)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor * 4:
                return step * factor
        step *= 10


def weekly_chart(weeks: list[Week]) -> WeeklyChart:
    step = _tick_step(max((w.total for w in weeks), default=0))
    top = step * 4
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(weeks))
    scale = plot_height / top
    bars = []
    for index, week in enumerate(weeks):
        x, y = LEFT + index * slot + slot * 0.15, float(HEIGHT - BOTTOM)
        segments = []
        for key, label in SERIES:
            value = getattr(week, key)
            height = value * scale
            y -= height
            segments.append(
                Segment(key, label, value, round(x, 1), round(y, 1), round(slot * 0.7, 1), round(height, 1))
            )
        bars.append(
            Bar(
                week,
                week.start.strftime("%b %-d"),
                round(x, 1),
                round(slot * 0.7, 1),
                round(y - 4, 1),
                segments,
            )
        )
    ticks = [Tick(value=step * n, y=round(HEIGHT - BOTTOM - plot_height * n / 4, 1)) for n in range(5)]
    return WeeklyChart(bars=bars, ticks=ticks)


@dataclass(frozen=True)
class Cell:
    weekday: str
    hour: int
    value: int
    x: int
    y: int
    shade: float  # 0–1, also said by the number in the cell

    # Strings ready for the template: 168 cells, so no filters per cell (bench/insights.py).
    @property
    def opacity(self) -> str:
        return f"{self.shade:.2f}"

    @property
    def dark(self) -> bool:
        return self.shade > 0.55

    @property
    def title(self) -> str:
        return f"{self.weekday} {self.hour:02d}:00–{(self.hour + 1) % 24:02d}:00: {self.value} missed"


@dataclass(frozen=True)
class Heatmap:
    cells: list[Cell]
    rows: list[tuple[str, int]]
    hours: list[tuple[str, int]]
    peak: int
    cell: int = 26
    width: int = 44 + 24 * 26
    height: int = 24 + 7 * 26


def heatmap_chart(counts: dict[tuple[int, int], int]) -> Heatmap:
    size, left, top = 26, 44, 20
    peak = max(counts.values(), default=0)
    cells = [
        Cell(
            weekday=WEEKDAYS[day - 1],
            hour=hour,
            value=counts.get((day, hour), 0),
            x=left + hour * size,
            y=top + (day - 1) * size,
            shade=round(counts.get((day, hour), 0) / peak, 2) if peak else 0,
        )
        for day in range(1, 8)
        for hour in range(24)
    ]
    rows = [(name, top + index * size + size // 2 + 4) for index, name in enumerate(WEEKDAYS)]
    hours = [(f"{hour:02d}h", left + hour * size + size // 2) for hour in range(0, 24, 3)]
    return Heatmap(cells=cells, rows=rows, hours=hours, peak=peak)
