"""Every parameter of the swarm model, in one place.

`SwarmParams` is the single source of truth: each field carries its plain-language label and
doc, unit, default, allowed range (or choices) and the UI group it belongs to. The model
constructor, the CLI's ``--set key=value``, experiment files and the UI controls are all derived
from it, so a bad value gets the same clear error everywhere.

Units: lengths in metres (m), time in steps, speeds in m/step, accelerations in m/step².
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.checks import is_whole, shown
from sim.election import PROTOCOLS
from sim.modes import MODES

COORDINATIONS = tuple(MODES)  # the registries are the source of these choices
ELECTIONS = tuple(PROTOCOLS)
FORMATIONS = ("wedge", "line", "column", "circle", "grid")
ROUTES = ("square", "zigzag", "straight", "loop")
SLOT_ASSIGNMENTS = ("optimal", "shift", "fixed")
STEP_LIMIT = 10_000_000  # steps: the longest run, and the bound of every step-valued field

GROUPS = (
    "swarm",
    "formation",
    "communication",
    "positioning",
    "failures",
    "election",
    "collective",
)


def _spec(
    default: Any,
    doc: str,
    *,
    label: str,
    group: str,
    unit: str = "",
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    kind: type | None = None,
    optional: bool = False,
    step: float | None = None,
    shape: str | None = None,
) -> Any:
    """Declare a parameter field with its metadata.

    `label`: what the UI calls it, in plain words (the field's name is in its help line);
    `shape`: what a list-valued field holds.
    """
    kind = kind or type(default)
    meta = dict(
        label=label,
        doc=doc,
        group=group,
        unit=unit,
        lo=lo,
        hi=hi,
        choices=choices,
        kind=kind,
        optional=optional,
        step=step,
        shape=shape,
    )
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class SwarmParams:
    """All parameters of a swarm run; constructing one validates every field.

    Raises:
        ValueError: naming the field and its allowed range when a value is out of range, of the
            wrong type, or when two fields contradict each other.
    """

    # --- swarm -------------------------------------------------------------------------------
    n_agents: int = _spec(
        10,
        "Number of agents in the swarm.",
        label="Number of agents",
        group="swarm",
        lo=1,
        hi=10_000,
    )
    coordination: str = _spec(
        "formation",
        "How the group coordinates: "
        + "; ".join(f"{name}: {info.doc}" for name, info in MODES.items())
        + ".",
        label="Coordination",
        group="swarm",
        choices=COORDINATIONS,
    )
    max_speed: float = _spec(
        1.0,
        "Top speed of any agent (couzin / vicsek: their constant speed is at most this).",
        label="Top speed",
        group="swarm",
        unit="m/step",
        lo=0.01,
        hi=20.0,
    )
    max_accel: float = _spec(
        0.2,
        "Largest change of velocity per step (couzin / vicsek fly at a constant speed v, so this "
        "limits their turn to 2·asin(max_accel / 2v) per step; no limit once max_accel ≥ 2v).",
        label="Top acceleration",
        group="swarm",
        unit="m/step²",
        lo=0.001,
        hi=10.0,
    )
    cruise_fraction: float = _spec(
        0.5,
        "Leader's cruising speed as a fraction of max_speed (the rest lets followers catch up).",
        label="Leader's share of top speed",
        group="swarm",
        lo=0.05,
        hi=1.0,
    )
    arena_size: float = _spec(
        None,
        "Side of the square arena; empty = grows with √n_agents so density stays constant.",
        label="Arena size",
        group="swarm",
        unit="m",
        lo=1.0,
        hi=1e6,
        kind=float,
        optional=True,
    )
    route: str = _spec(
        "square",
        "Shape of the default route of waypoints the leader flies.",
        label="Route shape",
        group="swarm",
        choices=ROUTES,
    )
    waypoints: tuple = _spec(
        None,
        "Explicit route as a list of (x, y) points; overrides `route`.",
        label="Waypoints",
        group="swarm",
        unit="m",
        kind=tuple,
        optional=True,
        shape="a list of at least one [x, y] point",
    )
    waypoint_radius: float = _spec(
        3.0,
        "A waypoint counts as reached within this distance.",
        label="Waypoint reach distance",
        group="swarm",
        unit="m",
        lo=0.1,
        hi=1000.0,
    )
    collision_radius: float = _spec(
        0.5,
        "Two agents closer than this count as a collision.",
        label="Collision distance",
        group="swarm",
        unit="m",
        lo=0.0,
        hi=100.0,
    )
    max_steps: int = _spec(
        3000,
        "Mission time limit.",
        label="Time limit",
        group="swarm",
        unit="steps",
        lo=1,
        hi=STEP_LIMIT,
    )
    # --- formation ---------------------------------------------------------------------------
    formation: str = _spec(
        "wedge",
        "Shape of the formation the followers hold.",
        label="Formation shape",
        group="formation",
        choices=FORMATIONS,
    )
    spacing: float = _spec(
        4.0,
        "Distance between neighbouring slots.",
        label="Spacing",
        group="formation",
        unit="m",
        lo=0.5,
        hi=100.0,
    )
    slot_assignment: str = _spec(
        "optimal",
        "How slots are refilled after a loss: minimum total distance (optimal), next in rank "
        "moves up (shift), or the gap stays (fixed).",
        label="Filling gaps after a loss",
        group="formation",
        choices=SLOT_ASSIGNMENTS,
    )
    # --- communication -----------------------------------------------------------------------
    comm_range: float = _spec(
        15.0,
        "Agents can exchange messages only within this distance.",
        label="Radio range",
        group="communication",
        unit="m",
        lo=0.1,
        hi=1e6,
    )
    information: str = _spec(
        "messages",
        "What agents know: only what messages told them (messages), or everyone's true state "
        "at once (oracle: the idealised 'another instantly takes its place' case, to compare "
        "against).",
        label="What agents know",
        group="communication",
        choices=("messages", "oracle"),
    )
    message_loss: float = _spec(
        0.0,
        "Probability that any one message is lost (jamming intensity).",
        label="Message loss",
        group="communication",
        lo=0.0,
        hi=1.0,
    )
    distance_loss: float = _spec(
        0.0,
        "Extra loss that grows with a message's distance d: it is lost with probability "
        "message_loss + distance_loss·(d / comm_range)² (the model of Vásárhelyi et al. 2018).",
        label="Extra loss with distance",
        group="communication",
        lo=0.0,
        hi=1.0,
    )
    blackout_at: int = _spec(
        -1,
        "Step at which all communication is jammed (-1 = never).",
        label="Blackout start",
        group="communication",
        unit="step",
        lo=-1,
        hi=STEP_LIMIT,
    )
    blackout_steps: int = _spec(
        0,
        "How many steps the blackout lasts.",
        label="Blackout length",
        group="communication",
        unit="steps",
        lo=0,
        hi=STEP_LIMIT,
    )
    comm_delay: int = _spec(
        0,
        "Steps a message takes to arrive.",
        label="Message delay",
        group="communication",
        unit="steps",
        lo=0,
        hi=100,
    )
    max_links: int = _spec(
        128,
        "A radio keeps links to at most this many neighbours, the nearest (limits the computing "
        "work in crowded groups; the lessons' groups have at most ~90 within comm_range).",
        label="Radio link limit",
        group="communication",
        lo=1,
        hi=10_000,
    )
    # --- positioning -------------------------------------------------------------------------
    position_noise: float = _spec(
        0.0,
        "Typical error (standard deviation) of each agent's estimate of its own position.",
        label="Position error",
        group="positioning",
        unit="m",
        lo=0.0,
        hi=100.0,
    )
    positioning_lost_at: int = _spec(
        -1,
        "Step at which position fixes (like GPS) stop and agents must estimate their position "
        "from their own movement (-1 = never).",
        label="Positioning lost",
        group="positioning",
        unit="step",
        lo=-1,
        hi=STEP_LIMIT,
    )
    drift_noise: float = _spec(
        0.05,
        "Random error that piles up in each agent's position estimate, per step, once "
        "positioning is lost.",
        label="Drift without positioning",
        group="positioning",
        unit="m/step",
        lo=0.0,
        hi=10.0,
    )
    # --- failures ----------------------------------------------------------------------------
    dropout_rate: float = _spec(
        0.0,
        "Chance per agent per step of dropping out.",
        label="Random dropout chance",
        group="failures",
        unit="1/step",
        lo=0.0,
        hi=0.1,
    )
    leader_dropout_at: int = _spec(
        -1,
        "Step at which the current leader drops out (-1 = never).",
        label="Leader drops out",
        group="failures",
        unit="step",
        lo=-1,
        hi=STEP_LIMIT,
    )
    scheduled_dropouts: tuple = _spec(
        None,
        "Agents that drop out at given steps, as a list of [step, agent id] pairs.",
        label="Planned dropouts",
        group="failures",
        kind=tuple,
        optional=True,
        shape="a list of [step, unique_id] pairs",
    )
    dropout_pool: str = _spec(
        "any",
        "Who random dropouts can hit: any agent, or only informed agents (couzin only: the "
        "other modes have no informed agents).",
        label="Who can drop out",
        group="failures",
        choices=("any", "informed"),
    )
    # --- election ----------------------------------------------------------------------------
    election: str = _spec(
        "lowest_id",
        "How a new leader is chosen: "
        + "; ".join(f"{name}: {cls.doc}" for name, cls in PROTOCOLS.items())
        + ".",
        label="Election method",
        group="election",
        choices=ELECTIONS,
    )
    heartbeat_period: int = _spec(
        2,
        "The leader says 'I am here' every this many steps.",
        label="Heartbeat interval",
        group="election",
        unit="steps",
        lo=1,
        hi=1000,
    )
    election_timeout_min: int = _spec(
        10,
        "Shortest silence after which a follower suspects the leader is gone.",
        label="Shortest election timeout",
        group="election",
        unit="steps",
        lo=1,
        hi=10_000,
    )
    election_timeout_max: int = _spec(
        20,
        "Longest such silence (timeouts are drawn at random in between).",
        label="Longest election timeout",
        group="election",
        unit="steps",
        lo=1,
        hi=10_000,
    )
    timeout_scaling: str = _spec(
        "auto",
        "auto: the timeout window grows with B, the measured time a message needs to cross the "
        "group, to [min + 2B, max(max + 4B, 2·(min + 2B))] (Raft's rule: timeouts much longer "
        "than B); fixed: exactly [election_timeout_min, election_timeout_max].",
        label="Timeout adjustment",
        group="election",
        choices=("auto", "fixed"),
    )
    # --- collective (couzin / vicsek) ---------------------------------------------------------
    informed_fraction: float = _spec(
        0.1,
        "Share of agents that know the preferred direction (couzin).",
        label="Share of informed agents",
        group="collective",
        lo=0.0,
        hi=1.0,
    )
    informed_weight: float = _spec(
        0.5,
        "How strongly informed agents pull toward their preferred direction (ω, couzin).",
        label="Pull of the informed",
        group="collective",
        lo=0.0,
        hi=10.0,
    )
    noise: float = _spec(
        None,
        "Random error added to each heading: the width of its range (vicsek) or its standard "
        "deviation (couzin); "
        "empty = the mode's published default.",
        label="Heading noise",
        group="collective",
        unit="rad",
        lo=0.0,
        hi=2 * math.pi,
        kind=float,
        optional=True,
    )
    interaction_radius: float = _spec(
        None,
        "Agents match the heading of neighbours within this distance (couzin: and move toward "
        "them); empty = the mode's default.",
        label="Neighbour distance",
        group="collective",
        unit="m",
        lo=0.01,
        hi=1000.0,
        kind=float,
        optional=True,
    )
    repulsion_radius: float = _spec(
        1.0,
        "Neighbours closer than this are avoided first (couzin).",
        label="Personal space",
        group="collective",
        unit="m",
        lo=0.0,
        hi=100.0,
    )
    speed: float = _spec(
        None,
        "Constant speed in couzin / vicsek, at most max_speed; empty = the mode's published "
        "default (couzin 0.1, vicsek 0.03), or max_speed if that is lower.",
        label="Constant speed",
        group="collective",
        unit="m/step",
        lo=0.0001,
        hi=20.0,
        kind=float,
        optional=True,
    )
    max_turn: float = _spec(
        None,
        "Largest turn per step (couzin); empty = the mode's default (0.2). Never more than "
        "max_accel allows at the mode's speed.",
        label="Sharpest turn",
        group="collective",
        unit="rad/step",
        lo=0.0,
        hi=math.pi,
        kind=float,
        optional=True,
    )
    torus: bool = _spec(
        None,
        "Edges wrap around (leaving on one side re-enters on the other); empty = on for vicsek "
        "only.",
        label="Wrap-around edges",
        group="collective",
        kind=bool,
        optional=True,
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _check(f, getattr(self, f.name)))
        if self.heartbeat_period >= self.election_timeout_min:
            raise ValueError(
                f"heartbeat_period ({self.heartbeat_period}) must be < election_timeout_min "
                f"({self.election_timeout_min}), or followers suspect a live leader every period"
            )
        for step, uid in self.scheduled_dropouts or ():
            if not (is_whole(step) and step >= 0 and is_whole(uid) and 1 <= uid <= self.n_agents):
                raise ValueError(
                    f"scheduled_dropouts must be {allowed('scheduled_dropouts')} (step >= 0, "
                    f"unique_id in [1, {self.n_agents}]); got {shown([step, uid])}"
                )
        if self.election_timeout_min > self.election_timeout_max:
            raise ValueError(
                f"election_timeout_min ({self.election_timeout_min}) must be <= "
                f"election_timeout_max ({self.election_timeout_max})"
            )
        _check_mode(self)

    @classmethod
    def build(cls, **kwargs: Any) -> SwarmParams:
        """Build from keywords, rejecting unknown names with a suggestion."""
        known = field_names()
        for name in kwargs:
            if name not in known:
                raise ValueError(unknown_message(name))
        return cls(**kwargs)

    def replace(self, **changes: Any) -> SwarmParams:
        """Return a copy with some fields changed (validated)."""
        for name in changes:
            if name not in field_names():
                raise ValueError(unknown_message(name))
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (waypoints as a list of lists)."""
        d = dataclasses.asdict(self)
        if d["waypoints"] is not None:
            d["waypoints"] = [list(p) for p in d["waypoints"]]
        return d


def _check_mode(p: SwarmParams) -> None:
    """Reject settings the chosen coordination mode cannot honour, naming the fields."""
    mode = MODES[p.coordination]
    if mode.constant_speed and p.speed is not None and p.speed > p.max_speed:
        lo = _fmt(specs()["speed"]["lo"])
        raise ValueError(
            f"speed ({p.speed:g}) must be <= max_speed ({p.max_speed:g}): {p.coordination} agents "
            f"move at a constant speed, so with this max_speed speed must be a number in "
            f"[{lo}, {p.max_speed:g}] or empty (the mode's default, capped at max_speed); "
            f"or raise max_speed"
        )
    if p.dropout_pool == "informed" and not mode.informed:
        informed = " or ".join(repr(name) for name, info in MODES.items() if info.informed)
        raise ValueError(
            f"dropout_pool='informed' needs coordination={informed}, a mode with informed "
            f"agents; with coordination={p.coordination!r} dropout_pool must be 'any'"
        )


def field_names() -> tuple[str, ...]:
    """Names of every parameter, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(SwarmParams))


def specs() -> dict[str, dict[str, Any]]:
    """Metadata of every parameter: label, doc, unit, default, lo, hi, choices, kind, group."""
    return {
        f.name: {**f.metadata, "default": f.default, "name": f.name}
        for f in dataclasses.fields(SwarmParams)
    }


def unknown_message(name: str) -> str:
    """Error text for an unknown parameter name, with the closest known names."""
    close = difflib.get_close_matches(name, field_names(), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown parameter {name!r}{hint} (known: {', '.join(field_names())})"


def allowed(name: str) -> str:
    """Plain-language allowed range of a parameter, e.g. 'an integer in [1, 10000]'."""
    m = specs()[name]
    opt = " or empty (None)" if m["optional"] else ""
    if m["choices"]:
        return "one of " + ", ".join(repr(c) for c in m["choices"]) + opt
    if m["kind"] is bool:
        return "true or false" + opt
    if m["kind"] is tuple:
        return m["shape"] + opt
    what = "an integer" if m["kind"] is int else "a number"
    return f"{what} in [{_fmt(m['lo'])}, {_fmt(m['hi'])}]{opt}"


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _check(f: dataclasses.Field, value: Any) -> Any:
    """Validate and normalise one field value; raise ValueError naming the field."""
    m = f.metadata
    blank = isinstance(value, str) and value.strip().lower() in ("", "none") and not m["choices"]
    if value is None or blank:
        if m["optional"]:
            return None
        raise ValueError(f"{f.name} must be {allowed(f.name)}; got {shown(value)}")
    try:
        value = _coerce(m["kind"], value)
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        raise ValueError(f"{f.name} must be {allowed(f.name)}; got {shown(value)}") from None
    if m["choices"] and value not in m["choices"]:
        raise ValueError(f"{f.name} must be {allowed(f.name)}; got {shown(value)}")
    if m["kind"] in (int, float) and not (m["lo"] <= value <= m["hi"]):
        raise ValueError(f"{f.name} must be {allowed(f.name)}; got {shown(value)}")
    return value


def _coerce(kind: type, value: Any) -> Any:
    """Convert a value to the field's kind, accepting the spellings the CLI and UI produce."""
    if kind is bool:
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(value, (bool, int)) and value in (0, 1):
            return bool(value)
        raise TypeError(value)
    if kind is int:
        number = float(value) if isinstance(value, str) else value
        if not is_whole(number):
            raise ValueError(value)
        return int(number)
    if kind is float:
        if isinstance(value, bool):
            raise TypeError(value)
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return number
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(value)
        return value.strip()
    if kind is tuple:
        if isinstance(value, str):
            import json

            value = json.loads(value)
        if not len(value) or any(len(p) != 2 for p in value):
            raise ValueError(value)
        if any(isinstance(c, (bool, np.bool_)) for p in value for c in p):
            raise TypeError(value)
        points = tuple((float(p[0]), float(p[1])) for p in value)
        if not all(math.isfinite(c) for p in points for c in p):
            raise ValueError(value)
        return points
    raise TypeError(kind)
