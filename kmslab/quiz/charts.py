"""Geometry for the inline SVG charts on the history page (the template draws them).

Readable without colour: every point carries its percentage as text, bars carry labels and a
pattern, and each chart has a text alternative (a table follows it on the page).
"""

from __future__ import annotations

from dataclasses import dataclass

from kmslab.quiz.models import Sitting

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    percent: float
    label: str  # "#3 exam"


@dataclass(frozen=True, slots=True)
class Chart:
    points: tuple[Point, ...]
    polyline: str
    gridlines: tuple[tuple[float, int], ...]  # (y, percent)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def _y(percent: float) -> float:
    return round(TOP + (100 - percent) / 100 * (HEIGHT - TOP - BOTTOM), 1)


def score_chart(sittings: list[Sitting]) -> Chart:
    n = len(sittings)
    span = WIDTH - LEFT - RIGHT
    points = []
    for i, s in enumerate(sittings):
        x = LEFT + (span / 2 if n == 1 else span * i / (n - 1))
        points.append(Point(round(x, 1), _y(s.percent), s.percent, f"#{i + 1} {s.get_mode_display()}"))
    return Chart(tuple(points), " ".join(f"{p.x},{p.y}" for p in points),
                 tuple((_y(p), p) for p in (0, 25, 50, 75, 100)))


@dataclass(frozen=True, slots=True)
class Bar:
    objective: int
    title: str
    percent: float | None  # None: never answered
    width: float  # px, out of BAR_WIDTH
    y: int


BAR_WIDTH = 400


def mastery_bars(scores: dict[int, float], titles: dict[int, str]) -> tuple[Bar, ...]:
    return tuple(Bar(o, titles[o], scores.get(o), round(BAR_WIDTH * scores.get(o, 0.0) / 100, 1), 8 + 36 * i)
                 for i, o in enumerate(sorted(titles)))
