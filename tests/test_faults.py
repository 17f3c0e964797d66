"""Random dropouts (`sim.faults`): one Bernoulli trial per active agent per step."""

from __future__ import annotations

import numpy as np
import pytest

from sim.faults import sample_dropouts
from sim.model import SwarmModel


def test_no_rate_no_dropouts_and_no_draws():
    """A zero rate drops nobody and leaves the generator untouched."""
    rng = np.random.default_rng(0)
    assert len(sample_dropouts(np.ones(10, bool), 0.0, rng)) == 0
    assert rng.random() == np.random.default_rng(0).random()


def test_only_active_agents_drop_out():
    """Rows already inactive are never drawn, even at rate 1."""
    active = np.array([True, False, True, False, True])
    rows = sample_dropouts(active, 1.0, np.random.default_rng(1))
    assert rows.tolist() == [0, 2, 4]


def test_the_count_per_step_is_binomial():
    """Over many steps the mean and variance of dropouts per step match Binomial(n, p)."""
    rng, n, p = np.random.default_rng(2), 200, 0.05
    counts = np.array([len(sample_dropouts(np.ones(n, bool), p, rng)) for _ in range(4000)])
    assert counts.mean() == pytest.approx(n * p, rel=0.03)
    assert counts.var() == pytest.approx(n * p * (1 - p), rel=0.1)


def test_lifetimes_are_geometric_with_mean_one_over_rate():
    """An agent's lifetime under dropout_rate is geometric: mean 1/rate (module docstring)."""
    rng, n, rate = np.random.default_rng(3), 3000, 0.02
    active, life, t = np.ones(n, bool), np.zeros(n), 0
    while active.any():
        t += 1
        gone = sample_dropouts(active, rate, rng)
        active[gone] = False
        life[gone] = t
    assert life.mean() == pytest.approx(1 / rate, rel=0.05)


def test_the_same_seed_drops_the_same_agents_in_the_model():
    """Random dropouts come from the model's generator: same seed, same dropouts."""
    runs = [SwarmModel(n_agents=20, dropout_rate=0.01, rng=5, max_steps=300) for _ in range(2)]
    for model in runs:
        model.run()
    first, second = ([e for e in m.events if e[1] == "dropout"] for m in runs)
    assert first == second and len(first) >= 3
