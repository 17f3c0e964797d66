"""Vicsek alignment: order out of nothing but "head the way your neighbours head", plus noise.

Vicsek, Czirók, Ben-Jacob, Cohen & Shochet (1995), "Novel type of phase transition in a system
of self-driven particles", Phys. Rev. Lett. 75:1226. Every agent moves at the same constant
speed v0 and, each step (Δt = 1), takes the mean heading of all agents within radius r of it
(itself included) plus a random turn:

    θ_i(t+1) = arg( Σ_{j : |x_j − x_i| ≤ r} v̂_j(t) ) + Δθ_i,    Δθ_i ~ U(−η/2, η/2)
    v_i(t+1) = v0 (cos θ_i(t+1), sin θ_i(t+1))
    x_i(t+1) = x_i(t) + v_i(t+1) Δt

The order parameter v_a = |Σ v_i| / (N v0) is ≈ 1 when all agents head the same way and ≈ 1/√N
when headings are random. In the paper's setup (v0 = 0.03, r = 1, periodic box at density
N/L² = 4) v_a falls from ≈ 1 at low noise η to ≈ 0 at η near 2π; the transition sharpens as N
grows. No agent leads: the common heading is a spontaneously broken symmetry.

Inside the swarm model the swarm's kinematic limits hold too (`VicsekBehaviour`): v0 is at most
``max_speed`` (an empty ``speed`` is the paper's 0.03 capped at ``max_speed``; a larger explicit
one is rejected by `SwarmParams`), and since the rule above sets the heading directly (any turn,
up to a reversal), the turn per step is capped at 2·asin(max_accel / (2 v0)) so that
|Δv| = 2 v0 sin(turn/2) ≤ max_accel. This departs from the paper only when max_accel < 2 v0,
which with the defaults (v0 = 0.03, max_accel = 0.2) never happens.
"""

from __future__ import annotations

import math

import numpy as np

from sim import cells
from sim.kinematics import turn_limit
from sim.neighbours import covers_everyone, wrap

DEFAULT_SPEED = 0.03  # v0, m/step (Vicsek 1995, Δt = 1)
DEFAULT_RADIUS = 1.0  # r, m: interaction radius, the unit of length in the paper
DEFAULT_DENSITY = 4.0  # N / L², agents per m² (the paper's ρ = 4)
DEFAULT_NOISE = 0.1  # η, rad: width of the uniform heading noise (the paper's low-noise case)

_TINY = 1e-12  # a summed heading shorter than this has no direction


def unit_headings(vel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit heading vectors (n, 2) of velocity rows; agents at rest get a random heading."""
    norm = np.hypot(vel[:, 0], vel[:, 1])
    still = norm <= _TINY
    unit = vel / np.where(still, 1.0, norm)[:, None]
    if still.any():
        angle = rng.uniform(-math.pi, math.pi, int(still.sum()))
        unit[still] = np.column_stack([np.cos(angle), np.sin(angle)])
    return unit


def vicsek_velocity(
    pos: np.ndarray,
    vel: np.ndarray,
    *,
    speed: float,
    radius: float,
    noise: float,
    rng: np.random.Generator,
    box: float | None = None,
    max_turn: float = math.pi,
) -> np.ndarray:
    """New velocities (n, 2) of one Vicsek update for the active agents.

    Args:
        pos: Positions (n, 2), m.
        vel: Current velocities (n, 2), m/step; rows at rest get a random heading.
        speed: Constant speed v0, m/step.
        radius: Interaction radius r, m (self included; distance ≤ r counts).
        noise: Width η of the uniform heading noise U(−η/2, η/2), rad.
        rng: The only source of randomness.
        box: Side of the periodic arena [0, box)², m, or None for open space.
        max_turn: Largest change of heading per step, noise included, rad; π (the paper's
            rule, any turn) leaves the update exactly as published.

    Returns:
        Velocities (n, 2), each of length `speed`.
    """
    pos = np.asarray(pos, dtype=float).reshape(-1, 2)
    vel = np.asarray(vel, dtype=float).reshape(-1, 2)
    n = len(pos)
    if n == 0:
        return np.zeros((0, 2))
    own = unit_headings(vel, rng)
    total = neighbour_headings(pos, own, radius, box)
    angle = np.arctan2(total[:, 1], total[:, 0])
    # Headings that cancel exactly (two agents meeting head-on) keep their own direction.
    lost = np.hypot(total[:, 0], total[:, 1]) <= _TINY
    angle[lost] = np.arctan2(own[lost, 1], own[lost, 0])
    angle += rng.uniform(-noise / 2, noise / 2, n)
    if max_turn < math.pi:  # bounded turning (see the module docstring): not in the paper
        current = np.arctan2(own[:, 1], own[:, 0])
        turn = np.remainder(angle - current + math.pi, 2 * math.pi) - math.pi
        angle = current + np.clip(turn, -max_turn, max_turn)
    return speed * np.column_stack([np.cos(angle), np.sin(angle)])


def neighbour_headings(
    pos: np.ndarray, own: np.ndarray, radius: float, box: float | None = None
) -> np.ndarray:
    """Σ v̂_j over the agents j within `radius` of each agent, itself included: (n, 2).

    Over a compiled cell list (`sim.cells`: O(n) memory whatever the radius). A
    radius that reaches across the whole arena gives every agent the same sum, that of all
    headings (the mean-field limit), in O(n).
    """
    if covers_everyone(pos, radius, box):
        return np.broadcast_to([own[:, 0].sum(), own[:, 1].sum()], own.shape).copy()
    return cells.heading_sums(pos, own, radius, box)


def order_parameter(vel: np.ndarray) -> float:
    """Vicsek order v_a = |Σ v̂_i| / n in [0, 1]; agents at rest count as zero; NaN if n = 0."""
    vel = np.asarray(vel, dtype=float).reshape(-1, 2)
    n = len(vel)
    if n == 0:
        return math.nan
    norm = np.hypot(vel[:, 0], vel[:, 1])
    unit = vel / np.maximum(norm, _TINY)[:, None]
    return float(np.hypot(*unit.sum(axis=0)) / n)


def simulate_vicsek(
    n: int,
    noise: float,
    steps: int,
    rng: np.random.Generator,
    *,
    speed: float = DEFAULT_SPEED,
    radius: float = DEFAULT_RADIUS,
    density: float = DEFAULT_DENSITY,
) -> np.ndarray:
    """Run the paper's setup from random positions and headings; order v_a after each step.

    Args:
        n: Number of agents.
        noise: Noise width η, rad.
        steps: Number of updates.
        rng: The only source of randomness.
        speed: v0, m/step.
        radius: r, m.
        density: N / L², which sets the side L of the periodic box.

    Returns:
        Order parameter time series, shape (steps,).
    """
    box = math.sqrt(n / density)
    pos = rng.uniform(0.0, box, (n, 2))
    angle = rng.uniform(-math.pi, math.pi, n)
    vel = speed * np.column_stack([np.cos(angle), np.sin(angle)])
    series = np.empty(steps)
    for t in range(steps):
        vel = vicsek_velocity(pos, vel, speed=speed, radius=radius, noise=noise, rng=rng, box=box)
        pos = wrap(pos + vel, box)
        series[t] = order_parameter(vel)
    return series


def _or_default(value: float | None, default: float) -> float:
    """`value`, or `default` when the parameter was left empty."""
    return default if value is None else value


def mode_speed(params) -> float:
    """Constant speed v0 (m/step): `speed`, or when empty the paper's v0 capped at `max_speed`."""
    return _or_default(params.speed, min(DEFAULT_SPEED, params.max_speed))


class VicsekBehaviour:
    """Adapter the swarm model calls when ``coordination="vicsek"``.

    Reads the model's arrays and parameters each step; empty parameters take this module's
    published defaults, and the arena is periodic unless ``params.torus`` is False. Speed and
    turn per step respect ``max_speed`` and ``max_accel`` (`mode_speed`, `turn_limit`).
    """

    def __init__(self, model) -> None:
        self.model = model  # parameters are re-read every step, so later edits take effect
        self.informed = np.zeros(model.params.n_agents, dtype=bool)  # nobody knows a direction

    @classmethod
    def place(cls, model) -> tuple[np.ndarray, np.ndarray]:
        """Initial positions and velocities (N, 2): uniform in the arena, random headings.

        As in the paper, positions are uniform over the (periodic) box [0, L)² and every
        agent moves at v0 (`mode_speed`) in a direction of its own.
        """
        n = model.params.n_agents
        pos = model.rng.uniform(0.0, model.arena_size, (n, 2))
        angle = model.rng.uniform(-math.pi, math.pi, n)
        speed = mode_speed(model.params)
        return wrap(pos, model.arena_size), speed * np.column_stack([np.cos(angle), np.sin(angle)])

    @property
    def goal(self) -> None:
        """No preferred direction: the common heading is chosen by nobody."""
        return None

    def velocities(self, model) -> np.ndarray:
        """New velocities (N, 2) for all agents; rows of inactive agents keep their old value."""
        params = model.params
        box = model.arena_size if params.torus is None or params.torus else None
        out = np.array(model.vel, dtype=float, copy=True)
        active = np.asarray(model.active, dtype=bool)
        speed = mode_speed(params)
        out[active] = vicsek_velocity(
            model.pos[active],
            model.vel[active],
            speed=speed,
            radius=_or_default(params.interaction_radius, DEFAULT_RADIUS),
            noise=_or_default(params.noise, DEFAULT_NOISE),
            rng=model.rng,
            box=box,
            max_turn=turn_limit(speed, params.max_accel),
        )
        return out
