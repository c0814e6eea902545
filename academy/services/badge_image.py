"""The image of an Open Badges achievement: the site's shield and tick on a round badge.

A PNG (the format every wallet and backpack shows), 512 pixels square, drawn with Pillow
from the geometry of ``static/img/logo.svg`` and the site's colours. It carries no text, so
one image serves every language; the achievement's ``image.caption`` names the course.
Drawn once per process at four times the size and scaled down, which smooths its edges.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw

SIZE = 512
MEDIA_TYPE = "image/png"
_SCALE = 4
_BRAND = (11, 85, 99)  # --brand, #0b5563
_PAPER = (244, 241, 232)  # the logo's shield, #f4f1e8


@cache
def achievement_png() -> bytes:
    """The badge image as PNG bytes (the same bytes for the life of the process)."""
    side = SIZE * _SCALE
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, side - 1, side - 1), fill=_BRAND)
    ring = round(side * 0.06)
    draw.ellipse(
        (ring, ring, side - 1 - ring, side - 1 - ring), outline=_PAPER, width=round(side * 0.012)
    )

    # The logo's coordinates (a 32-unit box) placed so the shield fills the middle.
    unit = side * 0.55 / 23
    origin_x, origin_y = side / 2 - 16 * unit, side / 2 - 16.5 * unit

    def point(x: float, y: float) -> tuple[float, float]:
        return origin_x + x * unit, origin_y + y * unit

    shield = [
        point(16, 5),
        point(6, 10),
        *_cubic(point(6, 16), point(6, 22), point(10.3, 26.4), point(16, 28)),
        *_cubic(point(16, 28), point(21.7, 26.4), point(26, 22), point(26, 16)),
        point(26, 10),
    ]
    draw.polygon(shield, fill=_PAPER)
    tick = [point(11.5, 16.2), point(14.7, 19.4), point(20.7, 13.0)]
    width = round(2.6 * unit)
    draw.line(tick, fill=_BRAND, width=width, joint="curve")
    for x, y in (tick[0], tick[-1]):  # round caps
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=_BRAND)

    small = image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cubic(
    start: tuple[float, float],
    first: tuple[float, float],
    second: tuple[float, float],
    end: tuple[float, float],
    steps: int = 24,
) -> list[tuple[float, float]]:
    """Points along a cubic Bézier curve, its start included."""
    points = []
    for step in range(steps + 1):
        t = step / steps
        u = 1 - t
        points.append(
            (
                u**3 * start[0]
                + 3 * u * u * t * first[0]
                + 3 * u * t * t * second[0]
                + t**3 * end[0],
                u**3 * start[1]
                + 3 * u * u * t * first[1]
                + 3 * u * t * t * second[1]
                + t**3 * end[1],
            )
        )
    return points
