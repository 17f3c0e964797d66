"""Video export: the recent steps, or a stretch of the timeline, as MP4 or WebM (GIF otherwise).

The video is drawn by the screen's own renderer (`space.vue`'s ``render``) and recorded in the
browser (`video.vue`): each step is drawn once on a canvas at a fixed rate (steps per second)
and the canvas's stream is recorded with the browser's ``MediaRecorder``, so the video has one
frame per step. MP4 (H.264) where the browser records it, else WebM (VP9, VP8); a browser with
no recorder gets a GIF of the same steps (encoded here, `sim.ui.export.gif_bytes`) and a note
saying why. Recording runs in real time: 200 steps at 10 steps/s take 20 s.

"The recent steps" are the ones the view keeps (up to 300, fewer for large swarms). "A timeline
range" is re-simulated here from the timeline (`sim.timeline.Timeline.replay`, on a copy: the
page keeps showing what it showed) and sent to the browser as frames to draw; its length is
capped (`range_limit`). Play pauses while a video is made and goes on afterwards.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import solara

from sim.ui import frames
from sim.ui.export import gif_bytes, run_name
from sim.ui.session import Session
from sim.ui.state import PageState

MAX_RANGE_STEPS = 600  # steps in a timeline range (60 s of video at 10 steps/s)
MAX_AGENT_STEPS = 1_000_000  # agents × steps in a range: ~9 kB a frame at 1,000 agents
RATES = (5, 10, 20)  # steps per second offered (one video frame per step)
DEFAULT_RATE = 10
log = logging.getLogger(__name__)


def range_limit(n_agents: int) -> int:
    """The most steps a timeline range may hold for a swarm of `n_agents` (at least 20)."""
    return max(20, min(MAX_RANGE_STEPS, MAX_AGENT_STEPS // max(1, n_agents)))


def check_range(session: Session, first, last) -> tuple[int, int]:
    """The range [first, last] as whole steps, or ValueError naming the field and what is allowed.

    Empty `first` means the run's first step, empty `last` the latest step reached.
    """
    lo, hi = session.timelines[0].start, session.latest
    steps = []
    for name, value, empty in (("from step", first, lo), ("to step", last, hi)):
        text = "" if value is None else str(value).strip()
        if not text:
            steps.append(empty)
            continue
        if not text.isdigit() or not lo <= int(text) <= hi:
            raise ValueError(
                f"video {name} must be a whole number in [{lo}, {hi}] (the steps reached so far);"
                f" got {text!r}"
            )
        steps.append(int(text))
    a, b = steps
    if a >= b:
        raise ValueError(f"video from step must be before the to step; got {a} to {b}")
    n = max(m.n for m in session.models)
    most = range_limit(n)
    if b - a + 1 > most:
        raise ValueError(
            f"a video range holds at most {most} steps for {n:,} agents "
            f"(agents × steps ≤ {MAX_AGENT_STEPS:,}, steps ≤ {MAX_RANGE_STEPS}); "
            f"got steps {a} to {b} ({b - a + 1} steps): choose a shorter range"
        )
    return a, b


def video_name(session: Session, first: int, last: int, ext: str) -> str:
    """A file name that says what the video shows: lesson, seed, comparison, steps, format.

    E.g. ``swarm_leader-dropout_seed7_steps0-120.mp4``; compare mode adds the setting swarm B
    changes (``_vs-message_loss-0.4``).
    """
    if ext not in ("mp4", "webm", "gif"):
        raise ValueError(f"video format must be one of mp4, webm, gif; got {ext!r}")
    return f"{run_name(session)}_steps{int(first)}-{int(last)}.{ext}"


def range_frames(state: PageState, first: int, last: int) -> dict[str, list[dict]]:
    """The frames of every swarm from `first` to `last`, re-simulated by its timeline.

    A swarm whose run ended before `first` (compare mode) shows its end. The page's own models
    are left as they are.
    """
    s = state.session
    out: dict[str, list[dict]] = {}
    options = {
        "links": state.links.value,
        "slots": state.slots.value,
        "messages": state.messages.value,
        "selected": state.selected.value,
    }
    with s.lock:
        for key, line, run in zip("ab", s.timelines, s.runs, strict=False):
            a = min(max(first, line.start), line.latest)
            b = min(max(last, line.start), line.latest)
            got = [frames.space_frame(m, run, **options) for m in line.replay(a, b)]
            got += [got[-1]] * (last - first + 1 - len(got))  # (its run ended earlier)
            out[key] = got
    return out


@solara.component_vue("video.vue")
def VideoCanvas(
    job: dict,
    gif_ready: dict,
    rates: list = list(RATES),  # noqa: B006, B008  (never changed)
    default_rate: int = DEFAULT_RATE,
    event_start: Callable[[dict], None] | None = None,
    event_done: Callable[[dict], None] | None = None,
    event_encode_gif: Callable[[dict], None] | None = None,
):
    """The Video buttons, the range fields and the note saying what was saved (module doc)."""


@solara.component
def VideoExport(state: PageState):
    """Video of the recent steps or of a timeline range, next to the PNG and GIF buttons."""
    job = solara.use_reactive({})
    gif = solara.use_reactive({})
    resume = solara.use_ref(False)

    def start(data):
        n = job.value.get("n", 0) + 1
        if state.playing.value:
            resume.current = True
            state.pause()
        try:
            reply = _prepared(state, data)
        except ValueError as exc:
            reply = {"error": str(exc)}
        except Exception as exc:  # noqa: BLE001  (a failed export must not take the page down)
            log.exception("video export failed")
            reply = {"error": f"Video export failed ({type(exc).__name__}: {exc})"}
        job.set({**reply, "req": data.get("req"), "n": n})
        if reply.get("error"):
            done({})

    def done(_data):
        if job.value.get("frames"):  # (the browser has drawn them: free the memory)
            job.set({"n": job.value.get("n", 0) + 1})
        if resume.current and state.session.running:
            state.play()
        resume.current = False

    def encode(data):
        n = gif.value.get("n", 0) + 1
        try:
            raw = gif_bytes(list(data.get("frames", [])), int(data.get("ms", 100)))
        except Exception as exc:  # noqa: BLE001
            log.exception("GIF fallback failed")
            gif.set({"error": f"GIF export failed: {exc}", "n": n})
            done({})
            return
        text = base64.b64encode(raw).decode("ascii")
        gif.set({"data": text, "name": str(data.get("name", "swarm.gif")), "n": n})
        done({})

    VideoCanvas(
        job=job.value,
        gif_ready=gif.value,
        event_start=start,
        event_done=done,
        event_encode_gif=encode,
    )


def _prepared(state: PageState, data: dict) -> dict:
    """What the browser needs to record: file names per format and, for a range, the frames."""
    s = state.session
    if data.get("kind") == "range":
        first, last = check_range(s, data.get("first"), data.get("last"))
        got = range_frames(state, first, last)
    else:
        first, last = int(data.get("first", 0)), int(data.get("last", 0))
        got = None
    names = {ext: video_name(s, first, last, ext) for ext in ("mp4", "webm", "gif")}
    return {"kind": data.get("kind"), "names": names, "frames": got, "error": ""}
