"""The laws of collective motion, as pure functions of positions and velocities.

`flock` (Reynolds boids with a pull toward a leader), `couzin` (zones of repulsion, orientation
and attraction; an informed minority, Couzin et al. 2002/2005) and `vicsek` (alignment with noise,
Vicsek et al. 1995). The coordination modes (`sim.modes`) apply them to the model.
"""
