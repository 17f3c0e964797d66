"""Who leads: heartbeats, beliefs, failure detection, and the role changes elections make.

A mixin of `SwarmModel`. Every `heartbeat_period` steps a leader broadcasts a beacon (its term,
state, route and slot table, see `sim.heartbeat`); agents relay it one hop per step and steer by
the freshest one they believe. A follower that hears nothing for longer than its timeout
suspects its leader is lost (it never reads the model's truth) and the election module takes
over; the methods here are the verbs elections use: `become_leader`, `hear_term` (Raft's "a
newer term deposes an older leader"), `reset_timer`, `known_group_size`, `reachable`.
When two leaders meet, the higher term wins, then the lower id (Ongaro & Ousterhout 2014).
"""

from __future__ import annotations

import math

import numpy as np

from sim.control import LeaderState
from sim.heartbeat import (
    TERM_SHIFT,
    Beacon,
    beacon_key,
    dominance,
    key_row,
    key_term,
    key_time,
)
from sim.slots import assign_slots


class Leadership:
    """Heartbeats, beliefs, detection and leader roles for SwarmModel."""

    def _tell_everyone(self) -> None:
        """Oracle: every agent knows the main leader's state of this very step."""
        lead = self.leader
        if lead < 0:
            return
        self._emit_heartbeats_for(lead, keep_since=True)
        follow = self.active & ~self.is_leader
        self.belief[follow] = self.belief[lead]
        rows = np.flatnonzero(follow)
        self.known.learn(rows, self.belief[rows], self.slot_maps)
        self.term[follow] = self.leaders[lead].term
        self.hb_dirty[:] = False

    def _adopt_beacons(self, rows: np.ndarray, keys: np.ndarray) -> None:
        # A leader that hears a dominant leader (higher term, or same term and lower id) yields.
        leading = self.is_leader[rows]
        if leading.any():
            leading &= dominance(keys) > dominance(self.belief[rows])
            for row, key in zip(rows[leading], keys[leading], strict=True):
                winner = int(key_row(key))
                detail = f"yields to agent {winner + 1} (term {int(key_term(key))})"
                self._step_down(int(row), detail)
                self.log("merge", int(row), f"two leaders met: agent {winner + 1} remains")
            follow = ~self.is_leader[rows]
            rows, keys = rows[follow], keys[follow]
        self.belief[rows] = keys
        self.known.learn(rows, keys, self.slot_maps)
        self.timer[rows] = int(self.time)
        self.armed[rows] = True
        self.hb_dirty[rows] = True
        self.term[rows] = np.maximum(self.term[rows], keys >> TERM_SHIFT)
        self.suspecting[rows] = False
        self.election.on_leader_heard(self, rows)

    def _emit_heartbeats(self, force: bool = False) -> None:
        t = int(self.time)
        period = self.params.heartbeat_period
        for row, state in self.leaders.items():
            if not force and (t - state.since) % period != 0:
                continue
            self._notice_dropouts(row, state)
            beacon = Beacon(
                term=state.term,
                row=row,
                time=t,
                pos=self.estimate[row].copy(),
                vel=self.vel[row].copy(),
                heading=state.heading,
                frame_heading=state.frame_heading,
                turn=state.turn,
                frame_turn=state.frame_turn,
                waypoint_index=state.waypoint_index,
                route_version=state.route_version,
                slot_version=state.slot_version,
                group_size=int(np.count_nonzero(self.slot_maps[state.slot_version] >= 0)) + 1,
            )
            self.beacons[(row, t)] = beacon
            self.belief[row] = beacon_key(state.term, row, t)
            self.known.add(self.belief[row], beacon)
            self.known.learn(np.array([row]), self.belief[row : row + 1], self.slot_maps)
            self.hb_dirty[row] = True
        if t % 200 == 0:
            self._forget_old_beacons()

    def _forget_old_beacons(self) -> None:
        known = self.belief[self.belief >= 0]
        keep = set(zip(key_row(known).tolist(), key_time(known).tolist(), strict=True))
        self.beacons = {k: b for k, b in self.beacons.items() if k in keep}
        self.known.forget(set(known.tolist()))

    def _notice_dropouts(self, row: int, state: LeaderState) -> None:
        """A leader notices members whose acknowledgements stopped election_timeout_min ago."""
        checked = (state.slot_version, len(self.active_rows))
        if self._members_checked.get(row) == checked:
            return  # no member of this slot table has dropped out (same table, same dropouts)
        slots = self.slot_maps[state.slot_version]
        gone = (slots >= 0) & ~self.active
        if not gone.any():
            self._members_checked[row] = checked
            return
        gone &= self.time - self.dropped_at >= self.params.election_timeout_min
        if gone.any():
            self._assign_slots(row, state, members=(slots >= 0) & ~gone)

    def _detect(self) -> np.ndarray:
        """Followers whose leader has been silent longer than their timeout suspect it is lost."""
        if self.behaviour is not None:
            return np.zeros(self.n, dtype=bool)
        waiting = self.active & ~self.is_leader
        if self.params.information == "oracle":
            suspects = waiting & (self.leader < 0)
        else:
            silence = self.silence()
            # An agent that never heard a relayed beacon since the start (the far end of a long
            # chain, or a leader lost at once) still suspects after twice the longest timeout.
            armed = self.armed | (silence > 2 * self.params.election_timeout_max)
            suspects = waiting & armed & (silence > self.timeout)
        new = suspects & ~self.suspecting
        if new.any():
            lost = key_row(self.belief[new])
            first = int(np.flatnonzero(new)[0])
            for leader in np.unique(lost):
                key = (int(leader), int(key_term(self.belief[first])))
                if key not in self._detected:
                    self._detected.add(key)
                    quiet = int(self.silence()[first])
                    detail = f"no heartbeat from agent {int(leader) + 1} for {quiet} steps"
                    self.log("leader_lost_detected", first, detail)
        self.suspecting = suspects
        return suspects

    def silence(self) -> np.ndarray:
        """Steps since each agent last heard its leader (or reset its election timer)."""
        return self.time - self.timer

    def become_leader(self, row: int, term: int, detail: str) -> None:
        """Make `row` a leader of `term`: it takes the route it knows and reassigns slots."""
        if not self.active[row]:
            return
        known = self.beacons.get((int(key_row(self.belief[row])), int(key_time(self.belief[row]))))
        for other in [r for r, s in self.leaders.items() if r != row and self.active[r]]:
            if self.leaders[other].term < term:
                self._spurious += 1
                self._step_down(other, f"deposed by agent {row + 1}'s election (term {term})")
        speed = float(np.hypot(*self.vel[row]))
        heading = (
            math.atan2(self.vel[row, 1], self.vel[row, 0])
            if speed > 1e-6
            else (known.heading if known else self.start_heading)
        )
        state = LeaderState(
            term=term,
            since=int(self.time),
            route_version=known.route_version if known else 0,
            waypoint_index=known.waypoint_index if known else 0,
            heading=heading,
            frame_heading=heading,
            slot_version=-1,
        )
        self.leaders[row] = state
        self.is_leader[row] = True
        self._update_leader()
        self.term[row] = max(self.term[row], term)
        self.suspecting[row] = False
        self._leader_changes += 1
        self.elections.append((float(self.time), row + 1, term))
        self.log("leader_elected", row, detail)
        self._assign_slots(row, state, members=self.reachable(row) & (self.rows != row))
        self._emit_heartbeats_for(row)

    def _emit_heartbeats_for(self, row: int, keep_since: bool = False) -> None:
        state = self.leaders[row]
        if not keep_since:
            state.since = int(self.time)
        saved = {r: s for r, s in self.leaders.items() if r != row}
        self.leaders = {row: state}
        self._emit_heartbeats(force=True)
        self.leaders = {**saved, row: state}

    def _step_down(self, row: int, detail: str) -> None:
        self.is_leader[row] = False
        self.leaders.pop(row, None)
        self._update_leader()
        self.log("leader_stepped_down", row, detail)

    def hear_term(self, rows: np.ndarray, terms: np.ndarray, source: str) -> None:
        """Agents learn of a newer term; a leader of an older term steps down (Raft's rule)."""
        newer = terms > self.term[rows]
        self.term[rows[newer]] = terms[newer]
        for row in rows[newer & self.is_leader[rows]]:
            self._spurious += 1
            self._step_down(int(row), f"heard {source} for a newer term")

    def reset_timer(self, rows: np.ndarray) -> None:
        """Restart the election timers of `rows` (Raft: granting a vote resets the timer)."""
        self.timer[rows] = int(self.time)
        self.timeout[rows] = self.draw_timeout(len(rows))

    def draw_timeout(self, k: int) -> np.ndarray:
        """Draw k election timeouts uniformly in [election_timeout_min, election_timeout_max]."""
        p = self.params
        return self.rng.integers(p.election_timeout_min, p.election_timeout_max + 1, k)

    def known_group_size(self, row: int) -> int:
        """Size of the group as the last beacon `row` heard announced it."""
        key = self.belief[row]
        beacon = self.beacons.get((int(key_row(key)), int(key_time(key))))
        return beacon.group_size if beacon else self.n

    def reachable(self, row: int) -> np.ndarray:
        """Active agents with a link path to `row` (those that answer a new leader)."""
        from sim.metrics import components

        labels = components(self.n, self._links)[1]
        return self.active & (labels == labels[row])

    def _assign_slots(self, row: int, state: LeaderState, members: np.ndarray) -> None:
        """The leader refills its formation among `members` and announces a new slot table."""
        old = self.slot_maps.get(state.slot_version, self.slot_maps.get(0))
        rows = np.flatnonzero(members)
        new = np.full(self.n, -1, dtype=np.int64)
        if self.params.coordination == "formation" and len(rows):
            new[rows] = assign_slots(
                self.params.slot_assignment,
                old[rows],
                self.estimate[rows],
                self.estimate[row],
                state.frame_heading,
                self.offsets,
            )
        else:
            new[rows] = np.arange(len(rows))
        version = max(self.slot_maps) + 1
        self.slot_maps[version] = new
        state.slot_version = version
        moved = int(np.count_nonzero(new[rows] != old[rows]))
        self.log(
            "slot_reassigned",
            row,
            f"{moved} moved, {len(rows)} members ({self.params.slot_assignment})",
        )

    def _update_leader(self) -> None:
        """Main leader: the live leader with the highest term, then the lowest id (-1: none)."""
        live = [r for r in self.leaders if self.active[r]]
        self.leader = min(live, key=lambda r: (-self.leaders[r].term, r)) if live else -1
