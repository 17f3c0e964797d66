"""Point-agent kinematics: bounded acceleration, bounded speed, arrival steering.

Agents are double integrators with Δt = 1 step: v ← v + u, p ← p + v, with |u| ≤ max_accel and
|v| ≤ max_speed. Controllers produce a *desired velocity*; the acceleration that chases it is
clipped, which is how the limits hold by construction. The constant-speed modes (couzin, vicsek)
honour the same limits differently: their speed is at most max_speed, and `turn_limit` bounds
their turn per step so that the change of velocity stays within max_accel.
"""

from __future__ import annotations

import math

import numpy as np


def clip_norm(vectors: np.ndarray, limit: float) -> np.ndarray:
    """Scale rows of `vectors` (n, 2) down so that none is longer than `limit`."""
    scale = np.minimum(1.0, limit / np.maximum(norms(vectors)[:, None], 1e-12))
    return vectors * scale


def norms(vectors: np.ndarray) -> np.ndarray:
    """Lengths (n,) of the rows of `vectors` (n, 2)."""
    return np.hypot(vectors[:, 0], vectors[:, 1])


def arrival_velocity(error: np.ndarray, gain: float, max_accel: float) -> np.ndarray:
    """Velocity correction (n, 2) toward a target `error` = target − position away.

    Proportional near the target (gain per step) and capped at √(2·a·d), the fastest speed from
    which the agent can still stop in distance d: the time-optimal "arrive" law, so followers
    close a gap quickly without overshooting.
    """
    dist = norms(error)
    speed = np.minimum(gain * dist, np.sqrt(2.0 * max_accel * dist))
    return error * (speed / np.maximum(dist, 1e-12))[:, None]


def steer(
    vel: np.ndarray, desired: np.ndarray, max_speed: float, max_accel: float
) -> tuple[np.ndarray, np.ndarray]:
    """Chase a desired velocity under both limits; returns (new velocity, acceleration used)."""
    accel = clip_norm(clip_norm(desired, max_speed) - vel, max_accel)
    return clip_norm(vel + accel, max_speed), accel


def steer_one(
    vx: float, vy: float, dx: float, dy: float, max_speed: float, max_accel: float
) -> tuple[float, float]:
    """`steer` for one agent in plain floats: its new velocity.

    Small swarms steer agent by agent, where a numpy call per operation costs more than the
    arithmetic it does. Each clip is `clip_norm`'s: scale by limit / length when longer.
    """
    hypot = math.hypot
    norm = hypot(dx, dy)
    if norm > max_speed:
        dx, dy = dx * (max_speed / norm), dy * (max_speed / norm)
    ax, ay = dx - vx, dy - vy
    norm = hypot(ax, ay)
    if norm > max_accel:
        ax, ay = ax * (max_accel / norm), ay * (max_accel / norm)
    vx, vy = vx + ax, vy + ay
    norm = hypot(vx, vy)
    if norm > max_speed:
        vx, vy = vx * (max_speed / norm), vy * (max_speed / norm)
    return vx, vy


def arrival_one(ex: float, ey: float, gain: float, max_accel: float) -> tuple[float, float]:
    """`arrival_velocity` for one error vector (ex, ey), in plain floats."""
    dist = math.hypot(ex, ey)
    speed = gain * dist
    brake = math.sqrt(2.0 * max_accel * dist)
    if brake < speed:
        speed = brake
    scale = speed / (dist if dist > 1e-12 else 1e-12)
    return ex * scale, ey * scale


def closing_limit(dist: np.ndarray, margin: float, max_accel: float) -> np.ndarray:
    """Fastest closing speed (m/step) at which two agents `dist` apart can still stop in time.

    Both brake at max_accel (relative deceleration 2a) after one step of reaction, and stop
    `margin` m short of each other: c + c²/(4a) = dist − margin, so c = 2a(√(1 + room/a) − 1).
    """
    room = np.maximum(dist - margin, 0.0)
    return 2.0 * max_accel * (np.sqrt(1.0 + room / max_accel) - 1.0)


def stopping_distance(closing: float, margin: float, max_accel: float) -> float:
    """The distance (m) at which `closing_limit` reaches `closing` (its inverse, plain floats).

    Pairs at least this far apart can close at `closing` and still stop in time. `closing` is
    padded (by a millionth, and a billionth of max_accel) far beyond the limit's rounding, so
    that rounding cannot put the limit just under `closing` there.
    """
    c = closing * (1.0 + 1e-6) + 1e-9 * max_accel
    return margin + c + c * c / (4.0 * max_accel)


def closing_limit_one(dist: float, margin: float, max_accel: float) -> float:
    """`closing_limit` for one distance, in plain floats."""
    room = max(dist - margin, 0.0)
    return 2.0 * max_accel * (math.sqrt(1.0 + room / max_accel) - 1.0)


def spread_within(xs: list, ys: list, limit: float) -> bool:
    """Whether 2 × the velocities' largest deviation from their mean is at most `limit`.

    Velocities (xs[i], ys[i]) in plain floats; no two of them close faster than that bound.
    The verdict is that of ``2·√max((x − x̄)**2 + (y − ȳ)**2) <= limit`` with C's pow for the
    squares, bit for bit: x·x (twice as fast) differs from x ** 2 at most in the last bit, so
    only a near tie is decided with pow.
    """
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    top = max([(x - mx) * (x - mx) + (y - my) * (y - my) for x, y in zip(xs, ys, strict=True)])
    bound = 2.0 * math.sqrt(top)
    if abs(bound - limit) <= 1e-12 * limit:
        top = max([(x - mx) ** 2 + (y - my) ** 2 for x, y in zip(xs, ys, strict=True)])
        bound = 2.0 * math.sqrt(top)
    return bound <= limit


def braking_push(
    pos: np.ndarray,
    vel: np.ndarray,
    pairs: np.ndarray,
    dist: np.ndarray,
    margin: float,
    max_accel: float,
) -> tuple[np.ndarray, bool]:
    """Velocity corrections (n, 2) that slow pairs closing too fast to stop in time.

    A pair closing at c faster than `closing_limit` gets the excess removed from its closing
    velocity, half from each agent, along the line between them (a braking constraint, as in
    velocity-obstacle collision avoidance). Returns the corrections and whether any pair needed
    one.
    """
    out = np.zeros_like(pos)
    if not len(pairs):
        return out, False
    i, j = pairs[:, 0], pairs[:, 1]
    gap = pos.take(j, axis=0) - pos.take(i, axis=0)
    rel = vel.take(i, axis=0) - vel.take(j, axis=0)
    # The limit is never negative, so only closing pairs can need braking: drop the others by
    # the sign of rel·gap first (its margin is far above round-off), then work on the few left.
    closer = rel[:, 0] * gap[:, 0] + rel[:, 1] * gap[:, 1] > -1e-9
    if not np.count_nonzero(closer):
        return out, False
    pairs, dist = np.compress(closer, pairs, axis=0), np.compress(closer, dist)
    gap, rel = np.compress(closer, gap, axis=0), np.compress(closer, rel, axis=0)
    i, j = pairs[:, 0], pairs[:, 1]
    unit = gap / np.maximum(dist, 1e-9)[:, None]
    closing = rel[:, 0] * unit[:, 0] + rel[:, 1] * unit[:, 1]  # (= einsum's row sums, bit for bit)
    excess = closing - closing_limit(dist, margin, max_accel)
    fast = excess > 0
    if not fast.any():
        return out, False
    half = unit[fast] * (0.5 * excess[fast])[:, None]
    np.add.at(out, i[fast], -half)
    np.add.at(out, j[fast], half)
    return out, True


def turn_toward(heading: float, desired: float, max_turn: float) -> float:
    """Rotate `heading` toward `desired` (rad) by at most `max_turn` rad."""
    diff = (desired - heading + math.pi) % (2 * math.pi) - math.pi
    return heading + min(max(diff, -max_turn), max_turn)


def turn_limit(speed: float, max_accel: float) -> float:
    """Largest heading change (rad, at most π) per step of an agent at constant `speed`.

    Turning by θ at constant speed v changes the velocity by |Δv| = 2·v·sin(θ/2), so
    |Δv| ≤ max_accel holds for θ ≤ 2·asin(max_accel / (2·v)); once max_accel ≥ 2·v any turn,
    even a reversal, is within the limit (π). This is how the constant-speed modes (couzin,
    vicsek) honour `max_accel`.
    """
    if max_accel >= 2.0 * speed:
        return math.pi
    return 2.0 * math.asin(max_accel / (2.0 * speed))


def headings(vel: np.ndarray) -> np.ndarray:
    """Heading angles (rad) of velocity rows."""
    return np.arctan2(vel[:, 1], vel[:, 0])
