"""The lessons (presets), by kind; `sim.presets` is their public index."""
