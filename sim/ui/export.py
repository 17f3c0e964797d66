"""Exports for slides and analysis: a PNG of the view, an animated GIF of the recent run, CSV.

The CSV is the run's per-step table, the same as ``swarm-sim run --out`` writes.

Images are drawn with Pillow from the same numbers the canvas view gets (no matplotlib, so an
export costs a few milliseconds), with the same colours: followers blue, the leader orange with a
ring, dropped-out agents as grey crosses, the route dashed with reached waypoints filled.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from sim.research.tables import step_table, table_bytes
from sim.ui.frames import agent_states

SIZE = 560  # px, square
FOLLOWER = (47, 109, 181)
LEADER = (232, 89, 12)
DROPPED = (140, 140, 140)
ROUTE = (150, 150, 140)


def _bounds(arena: float, route: np.ndarray) -> tuple[float, float]:
    lo = min(0.0, float(route.min()) if route.size else 0.0)
    hi = max(arena, float(route.max()) if route.size else arena)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def draw(pos: np.ndarray, states: str, route: np.ndarray, arena: float, t: int) -> Image.Image:
    """One picture of the swarm: positions (N, 2) m, states ('f'/'L'/'x' per agent), route."""
    img = Image.new("RGB", (SIZE, SIZE), (251, 251, 248))
    g = ImageDraw.Draw(img)
    lo, hi = _bounds(arena, route)
    s = SIZE / (hi - lo)

    def px(p):
        return (float(p[0]) - lo) * s, (hi - float(p[1])) * s

    g.rectangle([px((0, arena)), px((arena, 0))], outline=(216, 216, 208))
    pts = [px(p) for p in route]
    if len(pts) > 1:
        g.line(pts, fill=ROUTE, width=1)
    for x, y in pts:
        g.ellipse([x - 5, y - 5, x + 5, y + 5], outline=ROUTE, width=2)
    r = 5 if len(states) <= 60 else 3 if len(states) <= 200 else 2
    for p, c in zip(pos, states, strict=True):
        x, y = px(p)
        if c == "x":
            g.line([x - r, y - r, x + r, y + r], fill=DROPPED, width=2)
            g.line([x - r, y + r, x + r, y - r], fill=DROPPED, width=2)
        elif c == "f":
            g.ellipse([x - r, y - r, x + r, y + r], fill=FOLLOWER)
    for p, c in zip(pos, states, strict=True):
        if c == "L":
            x, y = px(p)
            g.ellipse([x - 2.2 * r, y - 2.2 * r, x + 2.2 * r, y + 2.2 * r], outline=LEADER, width=2)
            g.ellipse([x - 1.4 * r, y - 1.4 * r, x + 1.4 * r, y + 1.4 * r], fill=LEADER)
    g.text((8, 6), f"t = {t}", fill=(40, 40, 40))
    return img


def png_bytes(model) -> bytes:
    """PNG of the model's current state."""
    img = draw(model.pos, agent_states(model), model.route, model.arena_size, int(model.time))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def gif_bytes(history, arena: float, every: int = 2, ms_per_frame: int = 60) -> bytes:
    """Animated GIF from (t, pos, states, route) records, keeping every `every`-th step."""
    records = list(history)[::every] or list(history)[-1:]
    pics = [
        draw(pos, st, route, arena, t).convert("P", palette=Image.ADAPTIVE, colors=32)
        for t, pos, st, route in records
    ]
    buf = io.BytesIO()
    pics[0].save(
        buf, format="GIF", save_all=True, append_images=pics[1:], duration=ms_per_frame, loop=0
    )
    return buf.getvalue()


def csv_bytes(models, labels=()) -> bytes:
    """The per-step table (`sim.research.tables.step_table`) of one run, or of several as CSV.

    With several (compare mode), their rows follow each other and a first column `swarm`
    says which run a row belongs to (e.g. "A: election=lowest_id").
    """
    if not isinstance(models, list | tuple):
        return table_bytes(step_table(models), ".csv")
    if len(models) == 1:
        return table_bytes(step_table(models[0]), ".csv")
    parts = []
    for i, model in enumerate(models):
        table = step_table(model)
        table.insert(0, "swarm", labels[i] if i < len(labels) and labels[i] else "AB"[i])
        parts.append(table)
    return table_bytes(pd.concat(parts, ignore_index=True), ".csv")
