"""Size thresholds: where one code path gives way to another, and why.

Each constant has one purpose. The dual paths it switches between compute the same thing (tests
hold every pair equal); `swarm-sim bench --paths` times both sides around each threshold on this
machine, which is how these values were chosen.
"""

from __future__ import annotations

# Plain Python floats instead of numpy arrays, agent by agent: for a handful of agents a numpy
# call costs several times the arithmetic it does (steering of small formations, order and
# cohesion of small groups).
PLAIN_FLOATS_MAX_N = 24

# Neighbour pairs from a full N×N distance matrix instead of a k-d tree: below this the matrix is
# cheaper than building the tree (`sim.neighbours`, the network's links in leader modes).
DENSE_DISTANCES_MAX_N = 48

# Without messages the link graph only feeds the graph reporters: up to this many agents a
# distance matrix and a dense eigen-solve are cheaper than a neighbour query plus a sparse
# component search (collective modes).
DENSE_GRAPH_MAX_N = 300

# Cost controls, not dual paths: above GRAPH_EVERY_N active agents the graph reporters
# (largest_component, algebraic_connectivity) are refreshed every GRAPH_PERIOD steps; λ₂ by a
# dense eigen-solve (O(n³)) only up to EXACT_LAMBDA2_MAX_N agents, NaN beyond unless the graph is
# disconnected (then exactly 0).
GRAPH_EVERY_N = 100
GRAPH_PERIOD = 10  # steps
# ... and for very large groups, every n // GRAPH_AGENTS_PER_STEP steps when that is longer: the
# link graph of 10,000 agents (640,000 nearest-neighbour links) costs as much as ten steps of
# the collective modes, so it is refreshed every 100 steps there.
GRAPH_AGENTS_PER_STEP = 100
EXACT_LAMBDA2_MAX_N = 500

# Above this many nodes a dense eigen-solve runs with one BLAS thread: on a busy 2-core machine
# threads make it 10–100× slower; below it the thread limit's own cost is not worth paying.
ONE_BLAS_THREAD_MIN_N = 64

# Optimal slot assignment (Hungarian method, O(K³)) up to this many followers; beyond, "shift"
# (keep the order, move up) — an approximation, documented in `sim.slots`.
OPTIMAL_SLOTS_MAX_N = 1000

# Pairs closer than a radius, with their distances (`neighbours.pairs_with_distances`: contacts,
# and the leader modes' pairs when the network's query does not hold them): from the compiled
# cell list (`sim.cells`) above this many agents, from a k-d tree up to it. The cell list is about
# twice as fast at any size, but for a small group that saves microseconds per step, less than
# numba's import (~0.4 s, ~120 MB) costs a run that needs no other kernel (the leader modes).
TREE_PAIRS_MAX_N = 1000
