"""Formation: an explicit leader, and followers that hold slots of a shape around it.

Follower k tracks the world point ``p_L + R(ψ) Δ_k`` of its slot behind the leader it believes
(Desai, Ostrowski & Kumar's l-ψ control in point-agent form, `sim.control.slot_velocity`). After
a loss the leader refills the slots (`slot_assignment`, `sim.slots`). Its own reporter is
`formation_error`: the mean distance of the main leader's members from their true slots.
"""

from __future__ import annotations

import math

import numpy as np

from sim import formations, metrics
from sim.components.leadership import FOLLOWER
from sim.control import slot_velocity, slot_velocity_one, steer_flight_xy
from sim.kinematics import steer_one
from sim.modes.leader import LeaderMode
from sim.sizes import PLAIN_FLOATS_MAX_N
from sim.slots import assign_slots


class Formation(LeaderMode):
    """Followers hold slots of `formation` at `spacing` around the leader."""

    name = "formation"

    def __init__(self, model) -> None:
        super().__init__(model)
        self._members_key: tuple[int, int] | None = None  # (slot table, n active) cached below
        self._members: np.ndarray | slice = np.zeros(0, dtype=np.intp)
        self._member_offsets = np.zeros((0, 2))
        self._member_lists: tuple[list, list] = ([], [])  # members and offsets as lists
        self._offset_list = self.offsets.tolist()  # for the plain-float path

    def assign(self, model, row: int, members: np.ndarray, old: np.ndarray) -> np.ndarray:
        """`slot_assignment` over the members' position estimates."""
        return assign_slots(
            self.params.slot_assignment,
            old,
            model.estimate[members],
            model.estimate[row],
            model.mission.flights[row].frame_heading,
            self.offsets,
        )

    def follower_desired(self, model, act, rows, lead_pos, lead_vel, frame, desired) -> None:
        """Followers track their slots; agents crowding each other are pushed apart."""
        slots = model.leadership.knowledge.slot[rows]
        has = slots >= 0
        if not has.all():  # followers without a slot (yet) only keep their distance
            rows, slots, lead_pos, lead_vel, frame = (
                rows[has],
                slots[has],
                lead_pos[has],
                lead_vel[has],
                frame[has],
            )
        desired[rows] = slot_velocity(
            model.estimate[rows],
            slots,
            self.offsets,
            lead_pos,
            lead_vel,
            frame,
            self.params.max_accel,
        )
        if self.crowded(model):
            desired[act] += self.separation(model, act)

    def steer_each(self, model, act: np.ndarray) -> np.ndarray | None:
        """Small groups not crowding each other: the same laws agent by agent, in plain floats.

        For a few agents a numpy call per operation costs several times the arithmetic itself;
        a test holds this path equal to the vector laws.
        """
        if len(act) > PLAIN_FLOATS_MAX_N or self.crowded(model):
            return None
        return self.steer_floats(model, act)

    def steer_floats(self, model, act: np.ndarray) -> np.ndarray:
        """New velocities (k, 2) of the rows `act`, agent by agent in plain floats."""
        p = self.params
        max_speed, max_accel = p.max_speed, p.max_accel
        now = float(model.time)
        lead = model.leadership
        known = lead.knowledge
        src, slot = known.src.tolist(), known.slot.tolist()
        role, active = lead.role.tolist(), lead.active.tolist()  # (following: active, FOLLOWER)
        estimate, vel = model.estimate.tolist(), model.vel.tolist()
        offsets = self._offset_list
        flights, routes = model.mission.flights, model.mission.routes
        believed: dict[int, tuple] = {}  # one dead-reckoning per beacon, shared by its followers
        out: list[float] = []  # vx, vy of each row in turn (a flat list converts faster)
        for row in act.tolist():
            if row in flights:
                flight = flights[row]
                ex, ey = estimate[row]
                route = routes[flight.route_version]
                turns = self.max_turn, self.frame_turn
                dx, dy = steer_flight_xy(
                    flight, ex, ey, route, self.cruise_speed, max_accel, *turns
                )
            elif active[row] and role[row] == FOLLOWER and slot[row] >= 0:
                serial = src[row]
                if serial not in believed:
                    x, y, lvx, lvy, frame = known.believed_leader(serial, now)
                    believed[serial] = x, y, lvx, lvy, math.cos(frame), math.sin(frame)
                ex, ey = estimate[row]
                ox, oy = offsets[slot[row]]
                dx, dy = slot_velocity_one(ex, ey, ox, oy, believed[serial], max_accel)
            else:  # has given up on its leader, or has no slot yet: holds its position
                dx = dy = 0.0
            vx, vy = vel[row]
            out += steer_one(vx, vy, dx, dy, max_speed, max_accel)
        return np.array(out).reshape(-1, 2)

    def slot_of(self, model) -> np.ndarray:
        """Each agent's slot in the main leader's current table (-1: none)."""
        if model.leader < 0:
            return super().slot_of(model)
        return model.leadership.slot_table(model.leader)

    def reporters(self, model) -> dict[str, float]:
        """formation_error: mean distance of the main leader's members from their slots (m)."""
        lead = model.leader
        if lead < 0:
            return {"formation_error": math.nan}
        # Members and their offsets change only with a new slot table or a dropout.
        key = (model.leadership.leaders[lead].slot_version, len(model.active_rows))
        if self._members_key != key:
            slots = model.leadership.slot_table(lead)
            members = np.flatnonzero((slots >= 0) & model.active)
            self._member_offsets = self.offsets[slots[members]]
            self._members = _as_slice(members)
            self._member_lists = members.tolist(), self._member_offsets.tolist()
            self._members_key = key
        if not len(self._member_offsets):
            return {"formation_error": math.nan}
        heading = model.mission.flights[lead].frame_heading
        if len(self._member_offsets) <= PLAIN_FLOATS_MAX_N:  # a few: plain floats, same bits
            pos = model.pos.tolist()
            rows, offsets = self._member_lists
            lx, ly = pos[lead]
            slots = formations.place_few(offsets, heading, lx, ly)
            error = metrics.formation_error_few([pos[r] for r in rows], slots)
            return {"formation_error": error}
        world = formations.rotate(self._member_offsets, heading)
        error = metrics.formation_error(model.pos[self._members], model.pos[lead] + world)
        return {"formation_error": error}


def _as_slice(rows: np.ndarray) -> np.ndarray | slice:
    """`rows` as a slice when they are consecutive (indexing by it makes a view, not a copy)."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows
