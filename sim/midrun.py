"""Changing a parameter in the middle of a run: which ones can change, and how.

Most parameters shape a run from its first step (the number of agents, the coordination mode,
the formation, top speed: the mode derives its cruise speed from it once). A few describe
conditions the swarm meets step by step, and the model reads them afresh every step, so they
can change mid-run with a well-defined meaning, "from this step on":

- ``message_loss``: the network draws each message's fate against it when the message is sent
  (`sim.components.network.Network.loss`); messages already in flight are not redrawn.
- ``position_noise`` and ``drift_noise``: the next position fixes carry the new noise, and
  dead reckoning (once positioning is lost) drifts at the new rate (`Motion.sense`).
- ``heartbeat_period``: a leader's next beacon is due by the new period (the leadership reads
  it at every step, `Leadership._emit`).

Not ``comm_delay``: a channel delivers its messages in the order they were sent, so a shorter
delay mid-run would hold new messages behind older, slower ones.

`change_param` is a model verb (`SwarmModel.change_param`), so a `sim.timeline.Timeline`
records it with its step and a replay repeats it bit for bit. The run's `params` become a copy
with the field changed, checked against the same ranges as at the start.
"""

from __future__ import annotations

from typing import Any

# field -> what the change means for the run (the UI's help and the docs say the same)
LIVE_PARAMS = {
    "message_loss": "messages sent from now on are lost with the new probability",
    "heartbeat_period": "leaders send their next heartbeats at the new period",
    "position_noise": "position fixes from now on carry the new noise",
    "drift_noise": "dead reckoning (after positioning is lost) drifts at the new rate",
}


def check_live(name: str) -> None:
    """Raise ValueError unless `name` is a parameter that may change mid-run."""
    if name not in LIVE_PARAMS:
        raise ValueError(
            f"only these parameters can change mid-run: {', '.join(LIVE_PARAMS)}; got {name!r}"
        )


def change_param(model, name: str, value: Any) -> tuple[Any, Any]:
    """Set parameter `name` of a running `model` to `value` from this step on.

    Returns:
        (old value, new value).

    Raises:
        ValueError: unless `name` is in `LIVE_PARAMS` and `value` is in its range (the
            message names the field and the range, as for a new run).
    """
    check_live(name)
    old = getattr(model.params, name)
    params = model.params.replace(**{name: value})  # validates the range
    new = getattr(params, name)
    model.params = params
    model.motion.params = params
    if model.leadership is not None:
        model.leadership.params = params
    net = model.network
    if name == "message_loss":
        net.message_loss = new
        if net.distance_loss > 0:  # per-link loss: recomputed from the new base at the next query
            net.prox = None
        else:
            net.link_loss = new
    model.log("param_changed", -1, f"{name} {old} -> {new}")
    return old, new
