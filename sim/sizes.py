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
EXACT_LAMBDA2_MAX_N = 500

# Above this many nodes a dense eigen-solve runs with one BLAS thread: on a busy 2-core machine
# threads make it 10–100× slower; below it the thread limit's own cost is not worth paying.
ONE_BLAS_THREAD_MIN_N = 64

# Optimal slot assignment (Hungarian method, O(K³)) up to this many followers; beyond, "shift"
# (keep the order, move up) — an approximation, documented in `sim.slots`.
OPTIMAL_SLOTS_MAX_N = 1000

# Memory budgets, not dual paths: a neighbour query that could return more than PAIR_BUDGET pairs
# (a huge radius over many agents) is summed in chunks of CHUNK_ENTRIES (agent, neighbour)
# entries instead, so memory stays bounded whatever the radius (`sim.neighbours`, couzin's zones,
# vicsek). PAIR_BUDGET pairs are about 330 MB of couzin's pair sums; a chunk about 100 MB.
PAIR_BUDGET = 2_000_000
CHUNK_ENTRIES = 1_000_000

# Couzin's zones (`sim.behaviours.zones`): full n × n matrices up to ZONES_DENSE_MAX_N agents,
# beyond it a k-d tree; there, the rows of the agents free of repulsion are computed densely while
# (free agents × n) stays within ZONES_ROWS_MAX_ENTRIES, or when the tree would return more than
# 1/ZONES_PAIR_COST pairs per dense entry (one tree pair costs about that many dense entries).
ZONES_DENSE_MAX_N = 120
ZONES_ROWS_MAX_ENTRIES = 40_000
ZONES_PAIR_COST = 8
