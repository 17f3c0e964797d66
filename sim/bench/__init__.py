"""Benchmarks: the speed and memory targets the README reports, measured on this machine.

``steps``  ``swarm-sim bench``: ms per step vs Mesa's own boid_flockers, scaling, messages
``sweep``  ``swarm-sim bench --sweep``: sweep speed-up with two workers, peak memory
``ui``     ``python -m sim.bench.ui`` (``make bench-ui``): displayed steps/s in headless Chromium
"""
