"""Messages made visible, in a real browser: pulses along links, roles, the selected agent."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sim.ui.legend import KIND_STYLES, ROLE_COLOURS

pytestmark = pytest.mark.timeout(120)


def rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(css[i : i + 2], 16) for i in (1, 3, 5))


def count_colour(img, colour: tuple[int, int, int], tol: int = 12) -> int:
    """Pixels of `img` within `tol` of `colour` on every channel."""
    import numpy as np

    px = np.asarray(img.convert("RGB"), dtype=int)
    return int(np.count_nonzero(np.all(np.abs(px - np.array(colour)) <= tol, axis=-1)))


def canvas_shot(app):
    return Image.open(io.BytesIO(app.page.locator(".swarm-space canvas").screenshot()))


def data(app, name: str) -> str:
    return app.page.locator(".swarm-space").first.get_attribute(f"data-{name}") or ""


def test_pulses_appear_on_a_heartbeat_step(app):
    """A heartbeat step draws its heartbeats along the links: counted and in their colour."""
    assert data(app, "pulses") == "0"  # step 0: nothing sent yet
    heartbeat = rgb(KIND_STYLES["heartbeat"]["colour"])
    before = count_colour(canvas_shot(app), heartbeat)
    app.click("Step")
    app.click("Step")
    app.click("Step")  # the first heartbeat (step 2) is relayed at step 3
    app.wait_t(lambda t: t == 3)
    app.page.wait_for_timeout(600)  # the pulses have travelled
    kinds = [int(k) for k in data(app, "pulse-kinds").split(",")]
    assert kinds[0] > 5 and kinds[1:] == [0, 0, 0]  # heartbeats only, none lost
    assert int(data(app, "pulses")) == kinds[0]
    assert count_colour(canvas_shot(app), heartbeat) > before + 20
    app.page.get_by_text("messages", exact=True).click()  # the toggle turns them off
    app.click("Step")
    app.click("Step")
    app.wait_t(lambda t: t == 5)
    assert data(app, "pulses") == "0"
    assert app.errors == []


def test_roles_are_coloured_after_the_leader_is_lost(app):
    """Around step 315 the followers of the lost leader suspect, stand and vote, in colour."""
    app.play_to(315)
    roles = [int(k) for k in data(app, "roles").split(",")]
    assert roles[2] + roles[3] >= 5  # candidates and voters
    shot = canvas_shot(app)
    assert count_colour(shot, rgb(ROLE_COLOURS["light"]["voted"])) > 20
    kinds = [int(k) for k in data(app, "pulse-kinds").split(",")]
    assert kinds[1] > 0  # election messages on their way
    assert "candidate" in app.page.locator(".swarm-legend").inner_text()
    app.page.locator(".swarm-legend-toggle").click()  # the legend folds away
    assert "candidate" not in app.page.locator(".swarm-legend").inner_text()
    assert app.errors == []


def test_selecting_an_agent_shows_its_ghost_and_timer(app):
    """Shift-click selects an agent: a ghost where it believes the leader is, its timer."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    where = app.page.evaluate(
        """(() => {
          const vm = document.querySelector('.swarm-space').swarm, f = vm.current, v = vm.v;
          const i = 4;  // agent 5
          return [v.X(f.xy[2 * i]) / v.dpr, v.Y(f.xy[2 * i + 1]) / v.dpr];
        })()"""
    )
    canvas = app.page.locator(".swarm-space canvas")
    canvas.click(position={"x": where[0], "y": where[1]}, modifiers=["Shift"])
    app.page.wait_for_function("document.querySelector('.swarm-space').dataset.selected === '5'")
    assert data(app, "ghost")  # drawn where it believes agent 1 is
    assert 0 <= float(data(app, "timer")) < 1
    assert "active 10/10" in app.page.locator(".swarm-status").inner_text()  # not dropped
    app.page.keyboard.press("ArrowRight")
    app.wait_t(lambda t: t == 2)
    assert data(app, "selected") == "5"  # the selection stays as the run goes on
    assert app.errors == []
