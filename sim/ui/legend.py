"""The colours and shapes of agents' roles and of messages, and their legend.

One palette for the canvas (`space.vue` draws with these), its legend and the tests: the
Okabe–Ito colours (Okabe & Ito 2008, "Color Universal Design"), chosen so that the five roles
and the message kinds stay apart for viewers with a red–green colour vision deficiency
(tests/test_legend.py checks the distances after Machado et al. 2009's simulation). Colour is
never the only cue: the leader is larger and ringed, a heartbeat is a solid dash, an election
request a dotted one, a vote a round dot, and a lost message ends in a cross.
"""

from __future__ import annotations

from sim.components.leadership import ROLES
from sim.traffic import KINDS

# role -> fill colour of the agent, per theme (follower and leader keep the view's own blue and
# orange; the roles of an election are Okabe–Ito's purple, green and yellow)
ROLE_COLOURS = {
    "light": {
        "follower": "#2f6db5",  # blue
        "suspecting": "#F0E442",  # yellow (drawn with a dark outline)
        "candidate": "#CC79A7",  # reddish purple
        "voted": "#009E73",  # bluish green
        "leader": "#e8590c",  # orange
    },
    "dark": {
        "follower": "#6fa8f0",
        "suspecting": "#F0E442",
        "candidate": "#CC79A7",
        "voted": "#009E73",
        "leader": "#ff7a2e",
    },
}
# message kind -> colour and how it is drawn along its link
KIND_STYLES = {
    "heartbeat": {"colour": "#E69F00", "shape": "dash", "label": "heartbeat"},
    "request": {"colour": "#CC79A7", "shape": "dots", "label": "election request"},
    "vote": {"colour": "#009E73", "shape": "dot", "label": "vote"},
}
LOST_COLOUR = "#D55E00"  # vermillion: a message the link lost (it fades, ending in a cross)


def styles() -> dict:
    """What the canvas and its legend need, in code order: role colours, message styles.

    Roles per theme ("light", "dark"), then the message kinds and the colour of a lost message.
    """
    return {
        "roles": {k: [[name, c[name]] for name in ROLES] for k, c in ROLE_COLOURS.items()},
        "kinds": [[name, KIND_STYLES[name]] for name in KINDS],
        "lost": LOST_COLOUR,
    }
