"""The model's components: each owns its state and has a short, documented interface.

`SwarmModel` (sim/model.py) wires them and keeps the step recipe:

- `network.Network` — who can talk to whom this step, and every message that crosses a link;
- `leadership.Leadership` — beliefs, timers, terms, votes, detection, slot tables, elections;
- `harness.ProtocolHarness` — drives a `Leadership` on a given link graph and fault schedule,
  without a model, so the protocols can be studied and tested in isolation.
"""
