"""The space view: a `<canvas>` drawn in the browser from a compact frame of coordinates.

Mesa's matplotlib space view renders a PNG on the server for every step (55-95 ms); here the
server only sends numbers (see `sim.ui.frames.space_frame`) and a Vue template paints them, one
step per animation frame, and reports each painted step back (`event_drawn`) so Play is paced by
what the browser actually shows. Clicking an agent or empty space calls `event_clicked` with
``{"agent": unique_id}`` or ``{"x": m, "y": m}``; shift-clicking calls it with
``{"select": unique_id}`` (0: empty space). With `shortcuts`, the page's keyboard shortcuts
(space = play / pause, right arrow = step, r = reset, p = presenter mode; ignored while
typing) call `event_key` with "play_pause", "step", "reset" or "presenter".

In presenter mode (`presenter`) the view takes all the room below its top, not a square, and
shows the events of the run as large banners (leader lost, noticed, election, new leader,
recovered) and the outcome once the mission is over; see `sim.ui.frames.banners`.

Agents are filled by their role and this step's messages travel their links as short marks
(`styles`, from `sim.ui.legend`, which a legend on the canvas explains); the selected agent
(frame "sel") shows its election timer and a ghost of where it believes its leader is.

The same `render` method draws the screen and the exports (`exports.vue`, `video.vue`): a PNG
is the canvas itself, a GIF or a video is the recent steps drawn again by `render` on smaller
canvases.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.ui import legend


@solara.component_vue("space.vue")
def SpaceCanvas(
    frame: dict,
    label: str = "",
    show_links: bool = False,
    show_slots: bool = False,
    show_trails: bool = True,
    zoom: bool = False,
    presenter: bool = False,
    shortcuts: bool = False,
    styles: dict = legend.styles(),  # noqa: B008  (one constant palette, built once)
    event_clicked: Callable[[dict], None] | None = None,
    event_drawn: Callable[[list], None] | None = None,
    event_key: Callable[[str], None] | None = None,
):
    """Canvas view of one swarm (see module docstring)."""


@solara.component_vue("narrow.vue")
def NarrowProbe(event_report: Callable[[bool], None] | None = None):
    """Reports once, on load, whether the window is narrower than the drawer's breakpoint.

    It also names Solara's icon-only sidebar button for screen readers.
    """
