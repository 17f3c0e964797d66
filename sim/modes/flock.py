"""Flock: boids (Reynolds 1987) that keep together and follow the leader they believe.

Separation, alignment and cohesion among neighbours within `VISION_SPACINGS` spacings, plus a
pull toward the believed leader from outside `FLOCK_RADIUS`·spacing·√N of it
(`sim.behaviours.flock`). An agent that has given up on its leader keeps only the boids rules.
"""

from __future__ import annotations

import numpy as np

from sim.behaviours.flock import flock_velocity
from sim.modes.leader import LeaderMode

VISION_SPACINGS = 3.0  # flock neighbours are seen within this many `spacing`s
FLOCK_RADIUS = 0.5  # × spacing·√N: inside this distance of the leader there is no pull to it


class Flock(LeaderMode):
    """Boids with a pull toward the leader."""

    name = "flock"
    vision_spacings = VISION_SPACINGS

    def follower_desired(self, model, act, rows, lead_pos, lead_vel, frame, desired) -> None:
        """Boids rules for every active agent; followers are also drawn toward their leader."""
        p = self.params
        n = p.n_agents
        believed_pos = np.full((n, 2), np.nan)
        believed_vel = np.zeros((n, 2))
        believed_pos[rows], believed_vel[rows] = lead_pos, lead_vel
        pairs, dist = self.pairs_within(model, act, self.vision, with_dist=True)
        has_lead = ~np.isnan(believed_pos[act, 0])
        desired[act] = flock_velocity(
            model.estimate[act],
            model.vel[act],
            pairs,
            np.where(has_lead[:, None], believed_pos[act], model.estimate[act]),
            separation_radius=p.spacing,
            max_accel=p.max_accel,
            leader_vel=np.where(has_lead[:, None], believed_vel[act], model.vel[act]),
            flock_radius=FLOCK_RADIUS * p.spacing * np.sqrt(len(act)),
            dist=dist,
        )
