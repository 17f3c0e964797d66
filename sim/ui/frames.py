"""What the browser is sent: compact frames of the swarm, chart series, event log, status lines.

Pure functions of a model or of a `Session` (no Solara): a frame is a small dict of numbers and
short strings so the canvas view can be repainted 60 times a second without the server building
widgets. Positions travel as decimetres, headings as whole degrees, both packed as base64 of
little-endian integer arrays (`pack`): the widget layer walks every element of a list before
sending it (14 ms a step for 1,000 agents), a string it sends as it is. The views render the
payloads at the end, and during Play the page state pushes them straight to the widgets.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any

import numpy as np

from sim.heartbeat import key_row
from sim.params import specs

SCALE = 10  # positions are sent as integers in 1/SCALE m (decimetres)
CHARTS = (
    ("formation_error", "formation error (m)"),
    ("largest_component", "largest connected group"),
    ("n_leaders", "number of leaders"),
    ("order", "order (alignment, 0-1)"),
)
MARKED_EVENTS = {"dropout": "dropout", "leader_elected": "election"}
MAX_CHART_POINTS = 400  # per series; longer runs are thinned evenly


def pack(values, dtype: str = "<i4") -> str:
    """Integers as base64 of a little-endian array (`dtype` "<i4" or "<i2"); see `unpack`."""
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")


def unpack(text: str, dtype: str = "<i4") -> list[int]:
    """The integers `pack` packed (the browser decodes them into a typed array)."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).tolist()


def _dm(points: np.ndarray) -> np.ndarray:
    """(k, 2) metres as [x0, y0, x1, y1, ...] whole decimetres (floats)."""
    return np.rint(np.asarray(points, dtype=float) * SCALE).ravel()


def _xy(points: np.ndarray) -> list[int]:
    """`_dm` as a list of ints (the route: a few points)."""
    return _dm(points).astype(np.int64).tolist()


def _xy_packed(points: np.ndarray, dtype: str) -> str:
    """`_dm` packed as `dtype`, clipped to its range (see `_xy_dtype`)."""
    info = np.iinfo(np.dtype(dtype))
    return pack(np.clip(_dm(points), info.min + 1, info.max), dtype)


def _xy_dtype(points: np.ndarray) -> str:
    """int16 while every coordinate fits (within ±3.2 km: half the bytes), else int32."""
    if points.size == 0 or np.nanmax(np.abs(points)) * SCALE < 32_000:
        return "<i2"
    return "<i4"


def agent_states(model) -> str:
    """One character per agent: 'f' follower, 'L' leader, 'x' dropped out."""
    codes = np.where(model.active, "f", "x")
    if model.leader >= 0:
        codes[model.leader] = "L"
    return "".join(codes.tolist())


def headings(model) -> np.ndarray:
    """Heading of every agent in whole degrees (its velocity's direction; 0 when still)."""
    vel = model.vel
    deg = np.degrees(np.arctan2(vel[:, 1], vel[:, 0]))
    if model.leader >= 0 and not np.any(vel[model.leader]):
        deg[model.leader] = math.degrees(model.heading)
    return np.rint(deg).astype(np.int16)


def space_frame(
    model,
    run: int,
    *,
    links: bool = False,
    slots: bool = False,
    messages: bool = False,
    selected: int | None = None,
) -> dict[str, Any]:
    """Everything the canvas needs to draw one step.

    "xy" and "slots" (decimetres, x0 y0 x1 y1 ...) are `pack`ed int16 or int32 ("xyb" says
    2 or 4 bytes), "links" (row pairs) int32, "hd" (degrees) int16; "st" has one character
    per agent ('f', 'L', 'x'), "ro" (only while someone is neither a follower nor the leader)
    one digit per agent, its role code (`sim.components.leadership.ROLES`); "route" is a list;
    "ev" the presenter's banners of this step's events (`banners`), "end" the outcome once the
    mission is over; "pl", "pk", "pn" this step's messages (`message_fields`), "sel" what the
    selected agent believes (`selection`).

    Args:
        model: a `SwarmModel`.
        run: identifier of the model instance (the view clears trails when it changes).
        links: include communication links (row pairs within `comm_range`).
        slots: include formation slot positions.
        messages: include this step's messages and each agent's role (`message_fields`);
            from the next step on (the network starts tracing them now).
        selected: unique id of the agent whose beliefs to show (`selection`), or None.
    """
    wide = _xy_dtype(model.pos)
    frame = {
        "run": run,
        "t": int(model.time),
        "arena": float(model.arena_size),
        "xy": _xy_packed(model.pos, wide),
        "xyb": 2 if wide == "<i2" else 4,  # bytes per coordinate in "xy" and "slots"
        "hd": pack(headings(model), "<i2"),
        "st": agent_states(model),
        "route": _xy(model.route),
        "wp": int(model.waypoint_index),
        "leader": int(model.ids[model.leader]) if model.leader >= 0 else -1,
    }
    ev = banners(model)
    if ev:
        frame["ev"] = ev
    if model.mission_over and model.outcome:
        frame["end"] = outcome_text(model)
    if links:
        frame["links"] = pack(np.asarray(model.links(), dtype=np.int32).ravel())
    if slots and model.leader >= 0:
        frame["slots"] = _xy_packed(model.slot_positions(), wide)
    lead = model.leadership
    if lead is not None:
        frame.update(message_fields(model, messages))
        if selected is not None and 1 <= selected <= model.n:
            frame["sel"] = selection(model, selected - 1)
    return frame


def roles(model) -> str:
    """Each agent's role code as one digit ('' while all follow, but for the main leader)."""
    lead = model.leadership
    others = lead.role[model.active]
    if np.count_nonzero(others) <= (1 if model.leader >= 0 else 0):  # FOLLOWER is 0
        return ""
    return (lead.role.astype(np.uint8) + ord("0")).tobytes().decode("ascii")


def message_fields(model, on: bool) -> dict[str, Any]:
    """Roles, and this step's messages as pulses (the network traces them while `on`).

    "pl" is `pack`ed int16 (sender row, receiver row) pairs, "pk" uint8 codes (kind · 2 + lost,
    kinds as in `sim.traffic.KINDS`), "pn" the step's messages before sampling (`MAX_PULSES`).
    """
    net = model.network
    if on != (net.traffic is not None):
        net.trace(on)
    out: dict[str, Any] = {}
    ro = roles(model)
    if ro:
        out["ro"] = ro
    if not on:
        return out
    src, dst, kind, lost = net.traffic.pulses(int(model.time))
    if len(src):
        out["pl"] = pack(np.column_stack([src, dst]).ravel(), "<i2")
        out["pk"] = pack(kind.astype(np.uint8) * 2 + lost, "<u1")
        out["pn"] = int(net.traffic.total)
    return out


def selection(model, row: int) -> dict[str, Any]:
    """What agent `row` believes: its role, the leader it follows and where it thinks it is.

    "lead" is the row of the believed leader (-1: none), "gx", "gy" where it believes that
    leader is now (decimetres; dead-reckoned from its last heartbeat, `Knowledge`), "fill" its
    election timer: silence since it last made progress over its timeout (None for a leader).
    """
    lead = model.leadership
    t = int(model.time)
    role = int(lead.role[row])
    out: dict[str, Any] = {"id": row + 1, "row": row, "role": role, "lead": -1}
    if not model.active[row]:
        out["role"] = -1
        return out
    believed = int(key_row(lead.belief[row]))
    serial = int(lead.knowledge.src[row])
    if believed >= 0 and serial >= 0 and believed != row:
        x, y = lead.knowledge.believed_leader(serial, t)[:2]
        out.update(lead=believed, gx=int(round(x * SCALE)), gy=int(round(y * SCALE)))
    if role != 4:  # LEADER: it waits for nobody
        timeout = float(lead.timing.timeout(np.array([row]))[0])
        out["fill"] = round(min(1.0, (t - int(lead.timer[row])) / max(timeout, 1.0)), 3)
    return out


def banners(model) -> list[list[str]]:
    """[kind, text] of this step's events worth a banner in presenter mode, first of each kind.

    The story of a recovery: "Leader lost" → "Noticed" → "Election" → "New leader" →
    "Recovered". Several followers noticing in one step make one banner.
    """
    now, out, kinds = model.time, [], set()
    for t, kind, uid, detail in reversed(model.events):
        if t != now:
            break
        text = _banner(kind, uid, detail)
        if text and kind not in kinds:
            kinds.add(kind)
            out.append([kind, text])
    return out[::-1]


def _banner(kind: str, uid: int, detail: str) -> str:
    if kind == "dropout":
        return f"Leader lost: agent {uid} dropped out" if detail == "leader" else ""
    return {
        "leader_lost_detected": f"Noticed: agent {uid} hears no heartbeat",
        "election_started": f"Election: agent {uid} asks for votes",
        "leader_elected": f"New leader: agent {uid}",
        "recovered": f"Recovered: the group follows agent {uid}",
        "blackout": "Radio jammed",
    }.get(kind, "")


def outcome_text(model) -> str:
    """'Mission complete' or 'Mission failed: …' (the reason as the event log gives it)."""
    for _, kind, _, detail in reversed(model.events):
        if kind in ("mission_complete", "mission_failed"):
            head = "Mission complete" if kind == "mission_complete" else "Mission failed"
            return f"{head}: {detail}" if detail else head
    return model.outcome.replace("_", " ").capitalize()


def thin(values: list, limit: int = MAX_CHART_POINTS) -> list[int]:
    """Indices that keep at most `limit` evenly spaced points, always with the last one."""
    n = len(values)
    if n <= limit:
        return list(range(n))
    idx = np.linspace(0, n - 1, limit).round().astype(int)
    return sorted(set(idx.tolist()))


def _clean(x: Any) -> float | None:
    x = float(x)
    return round(x, 4) if math.isfinite(x) else None


def chart_data(model) -> dict[str, Any]:
    """Time series of the charted reporters (thinned) and the events to mark on them."""
    mv = model.datacollector.model_vars
    times = list(model.datacollector.times)
    keep = thin(times)
    series = {name: [_clean(mv[name][i]) for i in keep] for name, _ in CHARTS}
    marks = [[t, MARKED_EVENTS[kind]] for t, kind, _, _ in model.events if kind in MARKED_EVENTS]
    return {"t": [float(times[i]) for i in keep], "series": series, "marks": marks}


def describe(event: tuple[float, str, int, str]) -> str:
    """One readable log line, e.g. 't=120 agent 3 (leader) dropped out'."""
    t, kind, uid, detail = event
    who = f"agent {uid}"
    text = {
        "dropout": f"{who} ({detail}) dropped out",
        "leader_lost_detected": f"{who} noticed the leader is gone ({detail})",
        "election_started": f"{who} started an election ({detail})",
        "leader_elected": (
            f"{who} took over as leader ({detail})"  # no vote: next in line, or the oracle
            if detail.startswith(("succession", "oracle"))
            else f"{who} elected leader ({detail})"
        ),
        "slot_reassigned": f"slots reassigned around leader {uid}: {detail}",
        "waypoint_reached": (
            f"leader {uid} reached {_one_based(detail)}"
            if uid >= 0
            else f"the group reached {_one_based(detail)}"  # leaderless modes: its centroid
        ),
        "blackout": f"communications jammed: {detail}",
        "recovered": f"swarm re-formed around leader {uid} ({detail})",
        "waypoint_added": f"waypoint added at {detail}",
        "mission_complete": f"mission complete: {detail}",
        "mission_failed": f"mission failed: {detail}",
    }.get(
        kind,
        f"{kind.replace('_', ' ')}"
        + (f" {who}" if uid >= 0 else "")
        + (f" ({detail})" if detail else ""),
    )
    return f"t={int(t)} {text}"


def _one_based(detail: str) -> str:
    """'waypoint 0 (…)' -> 'waypoint 1 (…)' (the view numbers waypoints from 1)."""
    word, _, rest = detail.partition(" ")
    num, space, tail = rest.partition(" ")
    return f"{word} {int(num) + 1}{space}{tail}" if num.isdigit() else detail


def event_lines(model, limit: int = 200) -> list[str]:
    """The most recent `limit` events as readable lines, newest last."""
    return [describe(e) for e in model.events[-limit:]]


# ---------------------------------------------------------------------- payloads of a session
def compare_labels(session) -> tuple[str, str]:
    """Names of swarms A and B in compare mode, e.g. ('A: election=raft', 'B: election=none')."""
    if session.branch is not None:  # B forked off A mid-run (sim.ui.branch)
        return session.branch.labels(session)
    if session.compare is None:
        return "", ""
    name, value = session.compare
    default = session.model.params.as_dict()[name]
    return f"A: {name}={default}", f"B: {name}={value}"


def chart_payload(session) -> dict:
    """What the charts canvas draws: series of swarm A (and B), marks and labels."""
    models = session.models
    return {
        "names": [list(pair) for pair in CHARTS],
        "a": chart_data(models[0]),
        "b": chart_data(models[1]) if len(models) > 1 else None,
        "labels": list(compare_labels(session)),
    }


def log_html(model) -> str:
    """The event log of one model, newest first, escaped for an HTML <pre>."""
    lines = event_lines(model)[::-1]
    return html.escape("\n".join(lines)) if lines else "(no events yet)"


def status_text(session) -> str:
    """One line per swarm: time, agents, leader, waypoints, mission outcome; then the settings."""
    out = []
    models = session.models
    for i, model in enumerate(models):
        outcome = model.outcome.replace("_", " ") if model.outcome else "running"
        # live arrays, not the reporters: those are measured at the end of a step
        leader = f"agent {int(model.ids[model.leader])}" if model.leader >= 0 else "none"
        active = int(model.active.sum())
        name = f"{'AB'[i]}: " if len(models) > 1 else ""
        out.append(
            f"{name}t={int(model.time)}  active {active}/{len(model.active)}  leader {leader}"
            f"  waypoints {model.waypoints_reached}/{len(model.route)}  {outcome}"
        )
    out.append("settings: " + settings_text(session.model))
    return "\n".join(out)


def settings_text(model) -> str:
    """The parameters that differ from their defaults, e.g. 'n_agents=25, election=none'."""
    defaults = {k: v["default"] for k, v in specs().items()}
    changed = [f"{k}={v}" for k, v in model.params.as_dict().items() if v != defaults[k]]
    return ", ".join(changed) or "all defaults"


# ---------------------------------------------------------------------- the timeline
MAX_MARKS = 200  # markers on the timeline; more are thinned evenly


def timeline_marks(events) -> list[list]:
    """[step, kind, text] of the events marked on the timeline, one per step and kind.

    Kinds: "lost" (the leader dropped out), "elected" (a new leader), "recovered" (the group
    follows it again), "end" (the mission's outcome).
    """
    out, seen = [], set()
    for t, kind, uid, detail in events:
        if kind == "dropout" and detail == "leader":
            mark = ("lost", f"leader lost: agent {uid}")
        elif kind == "leader_elected":
            mark = ("elected", f"new leader: agent {uid}")
        elif kind == "recovered":
            mark = ("recovered", f"recovered: the group follows agent {uid}")
        elif kind in ("mission_complete", "mission_failed"):
            mark = ("end", kind.replace("_", " "))
        else:
            continue
        if (t, mark[0]) not in seen:
            seen.add((t, mark[0]))
            out.append([int(t), *mark])
    return [out[i] for i in thin(out, MAX_MARKS)]


def timeline_payload(session) -> dict[str, Any]:
    """What the timeline under the view shows: the step shown, the range reached, the marks.

    The marks are the main swarm's (swarm A in compare mode), over the whole run reached.
    """
    line = session.timelines[0]
    return {
        "t": int(session.model.time),
        "start": int(line.start),
        "latest": int(session.latest),
        "marks": timeline_marks(line.events()),
    }
