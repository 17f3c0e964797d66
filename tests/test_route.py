"""Routes (`sim.route`): named shapes scaled to the arena, and where the group starts."""

from __future__ import annotations

import numpy as np
import pytest

from sim.route import default_route, start_point

SHAPES = ["square", "zigzag", "straight", "loop"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("arena", [50.0, 200.0])
def test_routes_keep_a_margin_inside_the_arena(shape, arena):
    """Every waypoint and the start lie at least a fifth of the arena from its edges."""
    points = np.vstack([default_route(shape, arena), start_point(shape, arena)])
    assert points.min() >= 0.2 * arena - 1e-9 and points.max() <= 0.8 * arena + 1e-9


@pytest.mark.parametrize("shape", SHAPES)
def test_routes_scale_with_the_arena(shape):
    """Only the shape matters: doubling the arena doubles every coordinate."""
    np.testing.assert_allclose(default_route(shape, 200.0), 2 * default_route(shape, 100.0))
    np.testing.assert_allclose(start_point(shape, 200.0), 2 * start_point(shape, 100.0))


@pytest.mark.parametrize("shape", SHAPES)
def test_the_group_starts_away_from_its_first_waypoint(shape):
    """There is a first leg to fly: the start is not on the first waypoint."""
    first = default_route(shape, 100.0)[0]
    assert np.hypot(*(first - start_point(shape, 100.0))) > 10.0


def test_square_and_loop_come_back_to_the_start():
    """The square ends at its start; the loop is eight points on a circle round the centre."""
    np.testing.assert_allclose(default_route("square", 100.0)[-1], start_point("square", 100.0))
    loop = default_route("loop", 100.0)
    assert len(loop) == 8
    np.testing.assert_allclose(np.hypot(*(loop - 50.0).T), 30.0)


def test_an_unknown_shape_names_the_choices():
    """A misspelt shape is a ValueError that lists the shapes."""
    with pytest.raises(ValueError, match="route must be one of square, zigzag, straight, loop"):
        default_route("circle", 100.0)
