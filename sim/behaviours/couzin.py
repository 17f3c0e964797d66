"""Leadership without a leader: a few informed agents steer a group that cannot tell who they are.

Couzin, Krause, James, Ruxton & Franks (2002), "Collective memory and spatial sorting in animal
groups", J. Theor. Biol. 218:1 — zone model; and Couzin, Krause, Franks & Levin (2005),
"Effective leadership and decision-making in animal groups on the move", Nature 433:513.

Each agent i has position c_i and unit heading v_i and moves at constant speed s. Its desired
direction d_i for the next step comes from its neighbours (r_ij = (c_j − c_i)/|c_j − c_i|):

    repulsion (priority), if any j within α:   d_i = − Σ_{j≠i, |c_j−c_i|<α} r_ij
    otherwise, neighbours within ρ:            d_i = Σ_{j≠i, |c_j−c_i|≤ρ} r_ij + Σ_{|c_j−c_i|≤ρ} v_j

(attraction plus orientation, self included in the orientation sum, as in the 2005 model's
single zone beyond repulsion; the 2002 model splits this into separate orientation and
attraction zones). An informed agent also knows a preferred unit direction ĝ and blends it in
with weight ω:

    d'_i = (d̂_i + ω ĝ) / |d̂_i + ω ĝ|

We read the blend as applying to d̂_i whichever social rule produced it, avoidance included:
restricting it to agents outside the repulsion zone mutes the informed agents of a packed group
(≈ 60 % of agents are avoiding someone at any step) and loses the paper's group-size effect.
The desired direction is then rotated by Gaussian noise of standard deviation σ, and the agent
turns toward it by at most θΔt per step. No agent signals that it is informed,
yet the group's direction follows ĝ; accuracy rises with the informed proportion p, and the
larger the group, the smaller the p it needs. With p = 0 the group picks a direction at random.

Inside the swarm model the swarm's kinematic limits hold too (`CouzinBehaviour`): the constant
speed s Δt is at most ``max_speed`` (an empty ``speed`` is the default below, capped at
``max_speed``; a larger explicit one is rejected by `SwarmParams`), and the turn per step is at
most min(θΔt, 2·asin(max_accel / (2 s Δt))), since turning by φ at constant speed v changes the
velocity by 2·v·sin(φ/2). With the default limits (max_speed 1, max_accel 0.2 ≥ 2 s Δt) neither
binds, so the published model runs unchanged.
"""

from __future__ import annotations

import math

import numpy as np

from sim.behaviours.vicsek import unit_headings
from sim.behaviours.zones import TINY as _TINY
from sim.behaviours.zones import social_direction
from sim.kinematics import turn_limit
from sim.route import start_point

# Defaults follow the 2005 paper's setup as used in replications: α = 1, ρ = 6, ω = 0.5,
# σ = 0.01 rad, speed s = 1 m/s and turning rate θ = 2 rad/s. The model moves in whole steps
# (pos += vel), so we fix Δt = 0.1 s per step (our choice; the 2002 paper's response latency)
# and convert the rates to per-step values. The step matters: at Δt = 0.2 s (0.2 m and 0.4 rad
# per step) our groups of 100 stopped being polarised and milled as a swarm (order ≈ 0.25),
# whereas the paper's groups travel as polarised schools (order ≈ 0.8 here at Δt = 0.1 s).
DEFAULT_TIME_STEP = 0.1  # Δt, s per step
DEFAULT_SPEED = 1.0 * DEFAULT_TIME_STEP  # s Δt, m/step (s = 1 m/s)
DEFAULT_MAX_TURN = 2.0 * DEFAULT_TIME_STEP  # θ Δt, rad/step (θ = 2 rad/s)
DEFAULT_REPULSION_RADIUS = 1.0  # α, m
DEFAULT_INTERACTION_RADIUS = 6.0  # ρ, m
DEFAULT_OMEGA = 0.5  # ω, weight of the preferred direction (dimensionless)
DEFAULT_NOISE = 0.01  # σ, rad: standard deviation of the angular noise per step


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; zero rows stay zero."""
    norm = np.hypot(vectors[:, 0], vectors[:, 1])
    return vectors / np.maximum(norm, _TINY)[:, None]


def couzin_velocity(
    pos: np.ndarray,
    vel: np.ndarray,
    informed: np.ndarray,
    goal: np.ndarray | None,
    *,
    speed: float,
    repulsion_radius: float,
    interaction_radius: float,
    omega: float,
    noise: float,
    max_turn: float,
    rng: np.random.Generator,
    box: float | None = None,
) -> np.ndarray:
    """New velocities (n, 2) of one Couzin (2005) update for the active agents.

    Args:
        pos: Positions (n, 2), m.
        vel: Current velocities (n, 2), m/step; rows at rest get a random heading.
        informed: Mask (n,) of agents that know the preferred direction.
        goal: Preferred direction ĝ (2,) (normalised here), or None for no preference.
        speed: Constant speed s Δt, m/step.
        repulsion_radius: α, m: neighbours closer than this are avoided first.
        interaction_radius: ρ, m: neighbours within this are aligned with and approached.
        omega: ω, weight of ĝ against the social direction.
        noise: σ, rad: standard deviation of the Gaussian angular noise.
        max_turn: θ Δt, rad: largest change of heading per step.
        rng: The only source of randomness.
        box: Side of the periodic arena [0, box)², m, or None for open space.

    Returns:
        Velocities (n, 2), each of length `speed`.
    """
    pos = np.asarray(pos, dtype=float).reshape(-1, 2)
    vel = np.asarray(vel, dtype=float).reshape(-1, 2)
    n = len(pos)
    if n == 0:
        return np.zeros((0, 2))
    heading = unit_headings(vel, rng)
    desired, _ = social_direction(
        pos,
        heading,
        repulsion_radius=repulsion_radius,
        interaction_radius=interaction_radius,
        box=box,
    )
    desired = _unit_or(desired, heading)
    if goal is not None:
        _blend_goal(desired, np.asarray(informed, dtype=bool), goal, omega)
    return speed * _turn_toward(heading, desired, noise, max_turn, rng)


def _unit_or(vectors: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Rows of `vectors` scaled to unit length; rows with no direction take `fallback`'s."""
    norm = np.hypot(vectors[:, 0], vectors[:, 1])
    unit = vectors / np.maximum(norm, _TINY)[:, None]
    return np.where((norm <= _TINY)[:, None], fallback, unit)


def _blend_goal(desired: np.ndarray, pulled: np.ndarray, goal: np.ndarray, omega: float) -> None:
    """Turn the rows `pulled` (mask) of unit `desired` into (d̂ + ω ĝ) / |d̂ + ω ĝ|, in place."""
    rows = np.flatnonzero(pulled)
    if len(rows) == 0:
        return
    g = np.asarray(goal, dtype=float).reshape(2)
    g = g / max(float(np.hypot(*g)), _TINY)
    own = desired[rows]
    blended = _unit(own + omega * g)
    # d̂ = −ĝ with ω = 1 cancels exactly; keep d̂ then.
    ok = np.hypot(blended[:, 0], blended[:, 1]) > 0.5
    desired[rows] = np.where(ok[:, None], blended, own)


def _turn_toward(
    heading: np.ndarray,
    desired: np.ndarray,
    noise: float,
    max_turn: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unit headings (n, 2) turned from `heading` toward noisy `desired` by at most `max_turn`."""
    target = np.arctan2(desired[:, 1], desired[:, 0])
    target += rng.normal(0.0, noise, len(target))
    current = np.arctan2(heading[:, 1], heading[:, 0])
    turn = target  # (target − current + π) mod 2π − π, reusing the buffer
    turn -= current
    turn += math.pi
    np.remainder(turn, 2 * math.pi, out=turn)
    turn -= math.pi
    current += np.clip(turn, -max_turn, max_turn, out=turn)
    return np.column_stack([np.cos(current), np.sin(current)])


def direction_error(vel: np.ndarray, goal: np.ndarray | None) -> float:
    """Angle (rad, in [0, π]) between the group's mean velocity and `goal`; NaN if undefined."""
    vel = np.asarray(vel, dtype=float).reshape(-1, 2)
    if goal is None or len(vel) == 0:
        return math.nan
    mean = vel.mean(axis=0)
    g = np.asarray(goal, dtype=float).reshape(2)
    if np.hypot(*mean) <= _TINY or np.hypot(*g) <= _TINY:
        return math.nan
    cross = mean[0] * g[1] - mean[1] * g[0]
    return float(abs(math.atan2(cross, float(mean @ g))))


def choose_informed(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Mask (n,) with exactly round(fraction · n) agents, chosen at random, marked informed."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=min(n, round(fraction * n)), replace=False)] = True
    return mask


def cohesive_group(
    n: int,
    centre: np.ndarray | tuple[float, float],
    rng: np.random.Generator,
    *,
    spacing: float,
    speed: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A group that starts together: positions uniform in a square, headings at random.

    The square has side √n · `spacing`, so there is about one agent per `spacing`² and, with
    `spacing` = α, the group is connected within the interaction range ρ from the first step.

    Args:
        n: Number of agents.
        centre: Centre (2,) of the square, m.
        rng: The only source of randomness.
        spacing: Typical distance between neighbours, m.
        speed: Length of each initial velocity, m/step.

    Returns:
        Positions (n, 2) and velocities (n, 2).
    """
    half = math.sqrt(n) * spacing / 2
    c = np.asarray(centre, dtype=float).reshape(2)
    pos = rng.uniform(c - half, c + half, (n, 2))
    angle = rng.uniform(-math.pi, math.pi, n)
    return pos, speed * np.column_stack([np.cos(angle), np.sin(angle)])


def simulate_couzin(
    n: int,
    informed_fraction: float,
    steps: int,
    rng: np.random.Generator,
    *,
    goal: tuple[float, float] = (1.0, 0.0),
    speed: float = DEFAULT_SPEED,
    repulsion_radius: float = DEFAULT_REPULSION_RADIUS,
    interaction_radius: float = DEFAULT_INTERACTION_RADIUS,
    omega: float = DEFAULT_OMEGA,
    noise: float = DEFAULT_NOISE,
    max_turn: float = DEFAULT_MAX_TURN,
) -> float:
    """Run one group in open space from a random start; the final direction error (rad).

    The agents start at random in a square of side √n · α (about one repulsion radius apart, so
    the group is connected) with random headings.

    Args:
        n: Number of agents.
        informed_fraction: Proportion p of informed agents.
        steps: Number of updates.
        rng: The only source of randomness.
        goal: Preferred direction of the informed agents.
        speed: s Δt, m/step.
        repulsion_radius: α, m.
        interaction_radius: ρ, m.
        omega: ω.
        noise: σ, rad.
        max_turn: θ Δt, rad/step.

    Returns:
        Angle between the group's mean velocity after the last step and `goal`, rad.
    """
    side = math.sqrt(n) * repulsion_radius
    pos, vel = cohesive_group(n, (side / 2, side / 2), rng, spacing=repulsion_radius, speed=speed)
    informed = choose_informed(n, informed_fraction, rng)
    g = np.asarray(goal, dtype=float)
    for _ in range(steps):
        vel = couzin_velocity(
            pos,
            vel,
            informed,
            g,
            speed=speed,
            repulsion_radius=repulsion_radius,
            interaction_radius=interaction_radius,
            omega=omega,
            noise=noise,
            max_turn=max_turn,
            rng=rng,
        )
        pos = pos + vel
    return direction_error(vel, g)


def _centroid(pos: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Mean position (2,) of the `active` rows: `pos[active].mean(axis=0)`, without the copy."""
    rows = pos if active.all() else pos[active]
    return rows.sum(axis=0) / len(rows)


def _or_default(value: float | None, default: float) -> float:
    """`value`, or `default` when the parameter was left empty."""
    return default if value is None else value


def mode_speed(params) -> float:
    """Constant speed s Δt (m/step): `speed`, or when empty the default capped at `max_speed`."""
    return _or_default(params.speed, min(DEFAULT_SPEED, params.max_speed))


def mode_max_turn(params) -> float:
    """Largest turn per step (rad): `max_turn` (or its default), within what `max_accel` allows.

    At constant speed v a turn by φ changes the velocity by 2·v·sin(φ/2) ≤ max_accel.
    """
    wanted = _or_default(params.max_turn, DEFAULT_MAX_TURN)
    return min(wanted, turn_limit(mode_speed(params), params.max_accel))


class CouzinBehaviour:
    """Adapter the swarm model calls when ``coordination="couzin"``.

    Picks the informed agents once, with the model's generator, and keeps them in `informed`
    (a mask over all N agents). Empty parameters take this module's defaults; the arena is open
    unless ``params.torus`` is True. Speed and turn per step respect ``max_speed`` and
    ``max_accel`` (`mode_speed`, `mode_max_turn`).

    The 2005 findings assume a *fixed* preferred direction ĝ, so ĝ is not re-aimed at the
    waypoint every step (that would swing round as the group passes it). Instead the informed
    agents take a bearing once per leg: ĝ is the unit vector from the group's centroid to the
    current waypoint at the moment that waypoint became current (for the first leg, from where
    the group starts). If the group passes the waypoint without reaching it — its centroid gets
    further along ĝ than the waypoint plus ``waypoint_radius`` — they take a new bearing from
    where the group is. After the last waypoint ĝ keeps its last value. `bearings_taken` counts
    the bearings.
    """

    def __init__(self, model) -> None:
        n = model.params.n_agents
        self.informed = choose_informed(n, model.params.informed_fraction, model.rng)
        self.bearings_taken = 0
        self._leg: int | None = None  # waypoint index the current bearing was taken for
        self._goal: np.ndarray | None = None  # ĝ, unit (2,)

    @classmethod
    def place(cls, model) -> tuple[np.ndarray, np.ndarray]:
        """Initial positions and velocities (N, 2): one cohesive group at the route's start.

        The group is a square of side √N · α (as in `simulate_couzin`) centred where the
        route starts — where a formation's leader would start — with random headings, at the
        mode's speed (`mode_speed`).
        """
        params = model.params
        if params.waypoints is not None:
            centre = np.asarray(params.waypoints[0], dtype=float)  # an explicit route's start
        else:
            centre = start_point(params.route, model.arena_size)
        alpha = params.repulsion_radius or DEFAULT_REPULSION_RADIUS
        return cohesive_group(
            params.n_agents, centre, model.rng, spacing=alpha, speed=mode_speed(params)
        )

    @property
    def goal(self) -> np.ndarray | None:
        """The informed agents' preferred direction ĝ (unit (2,)) as last taken; None before."""
        return None if self._goal is None else self._goal.copy()

    def update_goal(self, model) -> np.ndarray | None:
        """Take a new bearing ĝ when the group starts a leg or has passed its waypoint; return ĝ.

        ĝ stays fixed along a leg. None only before any bearing could be taken (no active
        agents yet).
        """
        index = model.waypoint_index
        active = np.asarray(model.active, dtype=bool)
        if not active.any() or (index >= len(model.route) and self._goal is not None):
            return self.goal
        index = min(index, len(model.route) - 1)
        waypoint = model.route[index]
        centre = _centroid(model.pos, active)
        if self._leg != index or self._passed(centre, waypoint, model.params.waypoint_radius):
            self._take_bearing(index, centre, waypoint)
        return self.goal

    def _passed(self, centre: np.ndarray, waypoint: np.ndarray, radius: float) -> bool:
        """Whether the group has gone further along ĝ than the waypoint (plus `radius`)."""
        if self._goal is None:
            return True
        return float((centre - waypoint) @ self._goal) > radius

    def _take_bearing(self, index: int, centre: np.ndarray, waypoint: np.ndarray) -> None:
        """Fix ĝ toward `waypoint` from `centre` (keep the old ĝ if they coincide)."""
        d = waypoint - centre
        norm = math.hypot(*d)
        self._leg = index
        if norm > _TINY:
            self._goal = d / norm
            self.bearings_taken += 1

    def velocities(self, model) -> np.ndarray:
        """New velocities (N, 2) for all agents; rows of inactive agents keep their old value."""
        params = model.params
        active = np.asarray(model.active, dtype=bool)
        everyone = bool(active.all())
        rows = slice(None) if everyone else active  # a slice takes views, a mask copies
        new = couzin_velocity(
            model.pos[rows],
            model.vel[rows],
            self.informed[rows],
            self.update_goal(model),
            speed=mode_speed(params),
            repulsion_radius=_or_default(params.repulsion_radius, DEFAULT_REPULSION_RADIUS),
            interaction_radius=_or_default(params.interaction_radius, DEFAULT_INTERACTION_RADIUS),
            omega=_or_default(params.informed_weight, DEFAULT_OMEGA),
            noise=_or_default(params.noise, DEFAULT_NOISE),
            max_turn=mode_max_turn(params),
            rng=model.rng,
            box=model.arena_size if params.torus else None,
        )
        if everyone:
            return new
        out = np.array(model.vel, dtype=float, copy=True)
        out[active] = new
        return out
