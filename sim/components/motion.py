"""Motion: where each agent thinks it is, and how everyone moves one step.

- **sense**: each agent's estimate of its own position — the truth plus `position_noise`, or
  pure dead reckoning once positioning fixes are lost (`sim.positioning`);
- **move**: the coordination mode gives the active agents' new velocities from what each of
  them knows, within `max_speed` and `max_accel` (`sim.modes`); positions advance by them
  (Δt = 1 step), estimates dead-reckon along, and a periodic arena wraps.
"""

from __future__ import annotations

from sim import positioning


class Motion:
    """Position estimates, and the integration of one step.

    Args:
        params: the run's `SwarmParams` (position_noise, drift_noise).
        box: side of the arena when its edges wrap, else None.
    """

    def __init__(self, params, box: float | None) -> None:
        self.params = params
        self.box = box
        self.positioning_lost = False

    def sense(self, model) -> None:
        """Refresh each agent's own position estimate (a fix with noise, or nothing to do)."""
        if self.positioning_lost:
            return  # dead reckoning advances the estimates as agents move (see `move`)
        noise = self.params.position_noise
        if noise > 0:
            model.estimate = positioning.fix_estimates(model.pos, noise, model.rng)
        else:
            model.estimate = model.pos  # exact: an alias, no copy

    def lose_positioning(self, model) -> bool:
        """Fixes stop: from now on every agent dead-reckons. False if they were already lost."""
        if self.positioning_lost:
            return False
        self.positioning_lost = True
        model.estimate = model.estimate.copy()
        return True

    def move(self, model) -> None:
        """One step of motion for the active agents."""
        act = model.active_rows
        if len(act) == 0:
            return
        vel = model.mode.velocities(model, act)
        if len(act) == len(model.pos):  # nobody has dropped out: whole arrays, no row lists
            model.vel[:] = vel
            model.pos += vel
        else:
            model.vel[act] = vel
            model.pos[act] += vel
        if self.positioning_lost:
            model.estimate[act] = positioning.dead_reckon(
                model.estimate[act], vel, self.params.drift_noise, model.rng
            )
        if self.box is not None:
            model.pos[act] %= self.box
