"""Exports for slides and analysis: a PNG of the view, an animated GIF of the recent run, CSV.

The pictures are drawn by the browser's own renderer (`space.vue`'s ``render``), so an export
shows what the screen shows: heading triangles, numbered waypoints, the leader's ring and
label, both swarms side by side in compare mode (`ExportButtons`). A PNG is the canvas itself;
for a GIF the browser draws the recent steps again and `gif_bytes` encodes them with Pillow.

The CSV is the run's per-step table, the same as ``swarm-sim run --out FILE.csv`` writes: a
CSV has no metadata, so the parameters, seed and version are on every row.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Callable

import pandas as pd
import solara
from PIL import Image

from sim.research.tables import STEP, step_table, table_bytes, with_context

MAX_GIF_FRAMES = 200
log = logging.getLogger(__name__)


def gif_bytes(pictures: list[str], ms_per_frame: int = 80) -> bytes:
    """An animated GIF from PNG data URLs ("data:image/png;base64,...") or raw base64 PNGs."""
    if not pictures:
        raise ValueError("no pictures to make a GIF of: step the swarm first")
    frames = []
    for text in pictures[-MAX_GIF_FRAMES:]:
        raw = base64.b64decode(text.split(",", 1)[-1])
        frames.append(Image.open(io.BytesIO(raw)).convert("RGB"))
    # one palette for all frames (from a strip of up to 8 of them): no flicker between frames
    picks = frames[:: max(1, len(frames) // 8)][:7] + [frames[-1]]
    w, h = frames[-1].size
    strip = Image.new("RGB", (w, h * len(picks)))
    for i, pic in enumerate(picks):
        strip.paste(pic, (0, i * h))
    palette = strip.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    pics = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    pics[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=pics[1:],
        duration=int(ms_per_frame),
        loop=0,
        optimize=False,
    )
    return buf.getvalue()


def _slug(text) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", str(text)).strip("-.")[:40] or "x"


def run_name(session) -> str:
    """What a file exported from this run starts with: lesson, seed, comparison.

    E.g. ``swarm_leader-dropout_seed7``; compare mode adds the setting swarm B changes
    (``_vs-message_loss-0.4``). A run with a random seed names the seed it drew.
    """
    seed = session.seed if session.seed is not None else getattr(session.model, "seed", None)
    parts = ["swarm"]
    if session.preset:
        parts.append(_slug(session.preset))
    parts.append(f"seed{seed}" if isinstance(seed, int) else "seed-random")
    if session.compare is not None:
        field, value = session.compare
        parts.append(f"vs-{_slug(field)}-{_slug(value)}")
    return "_".join(parts)


@solara.component_vue("exports.vue")
def ExportCanvas(
    ready: dict, prefix: str = "swarm", event_encode: Callable[[dict], None] | None = None
):
    """PNG and GIF buttons that export the page's space view(s) as drawn (module docstring).

    A PNG is saved as ``PREFIX_stepT.png`` (T: the step shown), a GIF under the name the
    server gives it.
    """


@solara.component
def ExportButtons(on_error: Callable[[str], None] | None = None, prefix: str = "swarm"):
    """The PNG and GIF buttons; a GIF the server cannot make is reported through `on_error`.

    Files are named `prefix` (e.g. `run_name`), then ``_stepT.png`` or ``_stepsA-B.gif``.
    """
    ready = solara.use_reactive({})

    def encode(data):
        try:
            gif = gif_bytes(list(data.get("frames", [])), int(data.get("ms", 80)))
        except Exception as exc:  # noqa: BLE001  (a failed export must not take the page down)
            log.exception("GIF export failed")
            if on_error:
                on_error(f"GIF export failed: {exc}")
            ready.set({"name": "", "data": "", "n": ready.value.get("n", 0) + 1})
            return
        text = base64.b64encode(gif).decode("ascii")
        try:
            steps = f"_steps{int(data['first'])}-{int(data['last'])}"
        except (KeyError, TypeError, ValueError):
            steps = ""
        name = f"{prefix}{steps}.gif"
        ready.set({"name": name, "data": text, "n": ready.value.get("n", 0) + 1})

    ExportCanvas(ready=ready.value, prefix=prefix, event_encode=encode)


def csv_bytes(models, labels=(), starts=()) -> bytes:
    """The per-step table (`sim.research.tables.step_table`) of one run, or of several as CSV.

    With several (compare mode), their rows follow each other and a first column `swarm`
    says which run a row belongs to (e.g. "A: election=lowest_id"); run i's rows start at
    step `starts[i]` (a branch: B's rows from the branch step on, `sim.ui.branch`).
    """
    if not isinstance(models, list | tuple):
        return table_bytes(step_table(models), ".csv")
    if len(models) == 1:
        return table_bytes(step_table(models[0]), ".csv")
    parts = []
    for i, model in enumerate(models):
        table = with_context(step_table(model))  # each run's parameters on its own rows
        if i < len(starts) and starts[i]:
            table = table[table[STEP] >= starts[i]]
        table.insert(0, "swarm", labels[i] if i < len(labels) and labels[i] else "AB"[i])
        parts.append(table)
    both = pd.concat(parts, ignore_index=True)
    both.attrs = {}  # the context is in the columns already
    return table_bytes(both, ".csv")
