"""The mission: the route the group travels, each leader's progress along it, and how it ended.

The route is abstract — a list of waypoints scaled to the arena (`sim.route`) — and it has
versions: `add_waypoint` makes a new version that only the leader knows at first; followers and
later leaders learn it by relay (`sim.heartbeat` beacons carry the version). Each leader flies
its own `Flight` along the version it knows. The coordination mode decides what progress and
success mean (`sim.modes`); this component keeps the state and the outcome.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.control import Flight
from sim.route import default_route, start_point


class Mission:
    """Route versions, the leaders' flights, the waypoints reached, and the outcome.

    Args:
        params: the run's `SwarmParams` (route, waypoints, waypoint_radius, max_steps).
        arena: side of the arena (m).
        log: records an event (kind, row, detail) in the model's log.
    """

    def __init__(self, params, arena: float, log: Callable[[str, int, str], None]) -> None:
        explicit = params.waypoints is not None
        route = np.asarray(params.waypoints) if explicit else default_route(params.route, arena)
        self.start = route[0] if explicit else start_point(params.route, arena)
        if explicit and len(route) > 1:
            route = route[1:]  # an explicit route starts where the group starts
        to_first = route[0] - self.start
        self.start_heading = math.atan2(to_first[1], to_first[0]) if np.any(to_first) else 0.0
        self.routes = {0: route}  # version -> waypoints (k, 2); only leaders know the newest
        self.flights: dict[int, Flight] = {}  # row -> how that leader flies (leader modes)
        self.reached = 0  # most waypoints any leader (or the group) has reached
        self.group_index = 0  # the group's next waypoint, where nobody leads (couzin)
        self.outcome: str | None = None  # "mission_complete", "mission_failed" or None
        self.completion_time: float | None = None
        self.radius = params.waypoint_radius
        self._log = log

    @property
    def route(self) -> np.ndarray:
        """The newest route (k, 2) of waypoints (m)."""
        return self.routes[max(self.routes)]

    @property
    def over(self) -> bool:
        """True once the mission has ended."""
        return self.outcome is not None

    def add_waypoint(self, xy: np.ndarray, leader: int) -> int:
        """Append a waypoint: a new route version, known at first only to `leader` (-1: none).

        A completed mission becomes open again. Returns the new version.
        """
        version = max(self.routes) + 1
        self.routes[version] = np.vstack([self.routes[version - 1], xy])
        if leader >= 0:
            self.flights[leader].route_version = version
        if self.outcome == "mission_complete":
            self.outcome, self.completion_time = None, None
        return version

    def fly(self, row: int, route_version: int, waypoint: int, heading: float) -> None:
        """`row` starts flying as a leader from what it knows."""
        self.flights[row] = Flight(route_version, waypoint, heading, heading)

    def land(self, row: int) -> None:
        """`row` no longer flies as a leader."""
        self.flights.pop(row, None)

    def reach_waypoints(self, estimate: np.ndarray) -> list[int]:
        """Leaders within `radius` of their next waypoint move on; rows at their route's end.

        Returns the rows of leaders that are at the last waypoint of the newest route.
        """
        latest = max(self.routes)
        arrived = []
        for row, flight in self.flights.items():
            route = self.routes[flight.route_version]
            if flight.waypoint_index < len(route):
                ex, ey = estimate[row].tolist()
                wx, wy = route[flight.waypoint_index].tolist()
                if math.hypot(ex - wx, ey - wy) <= self.radius:
                    self._log("waypoint_reached", row, f"waypoint {flight.waypoint_index}")
                    flight.waypoint_index += 1
                    self.reached = max(self.reached, flight.waypoint_index)
            if flight.waypoint_index == len(route) and flight.route_version == latest:
                arrived.append(row)
        return arrived

    def reach_group_waypoint(self, centre: np.ndarray) -> bool:
        """The group's centre reached its next waypoint (where nobody leads); True at the last."""
        route = self.route
        if self.group_index >= len(route):
            return False
        if math.hypot(*(centre - route[self.group_index])) > self.radius:
            return False
        self._log("waypoint_reached", -1, f"waypoint {self.group_index} (group centroid)")
        self.group_index += 1
        self.reached = max(self.reached, self.group_index)
        return self.group_index == len(route)

    def end(self, kind: str, detail: str, time: float, row: int) -> None:
        """The mission ends now: complete (success) or failed."""
        self.outcome = kind
        if kind == "mission_complete":
            self.completion_time = time
        self._log(kind, row, detail)
