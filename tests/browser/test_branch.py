"""Branch here in a real browser: A and B are the same run up to the branch, different after."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

pytestmark = pytest.mark.timeout(180)

K = 40  # the branch step
END = 70
SLIDER = "Timeline: the step shown (drag back to an earlier step)"
LEGEND_BELOW_TEXT = """(i) => {
  // px between the bottom of view i's label line(s) on the canvas and the top of its legend
  const el = document.querySelectorAll('.swarm-space')[i], vm = el.swarm, v = vm.v;
  const lines = el.querySelector('canvas').getContext('2d');
  lines.font = v.font + 'px sans-serif';
  const info = 't = ' + vm.current.t + '   leader: agent 99';
  const two = lines.measureText(vm.label + '   ' + info).width > v.W - 16 * v.dpr;
  const textBottom = ((two ? 2.6 : 1.3) + 0.3) * v.font / v.dpr;
  const legend = el.querySelector('.swarm-legend').getBoundingClientRect();
  return legend.top - el.getBoundingClientRect().top - textBottom;
}"""


def status_lines(app) -> list[str]:
    """The status lines of swarms A and B, without their 'A: ' / 'B: ' prefix."""
    lines = app.page.locator(".swarm-status").inner_text().splitlines()
    return [line[3:] for line in lines if line.startswith(("A: ", "B: "))]


def both_at(app, step: int) -> list[str]:
    """Wait until both canvases and both status lines show `step`; return the status lines."""
    for i in (0, 1):
        app.wait_t(lambda t: t == step, index=i, timeout=30)

    def check():
        lines = status_lines(app)
        return lines if len(lines) == 2 and all(x.startswith(f"t={step} ") for x in lines) else 0

    return app.wait_for(check, f"both status lines at t={step}")


def test_branch_drops_the_leader_in_b_only_and_the_runs_differ_only_after(app):
    """Play to 40, branch (B: drop the leader), play on: equal at 40 and before, differ after."""
    app.play_to(K)
    app.page.get_by_role("button", name=re.compile(r"^Branch here \(t=40\)$")).click()
    app.page.locator(".swarm-space").nth(1).wait_for()
    label_b = app.page.locator(".swarm-space").nth(1).get_attribute("data-label")
    assert re.fullmatch(r"B: branched at t=40, leader \(agent \d+\) dropped", label_b)
    assert app.page.locator(".swarm-space").nth(0).get_attribute("data-label") == "A: as it was"
    a, b = both_at(app, K)
    assert "active 10/10" in a and "active 9/10" in b  # the fault, in B only
    box = app.page.get_by_label("pause at step")
    box.fill(str(END))
    box.press("Enter")
    app.click("Play")  # Play steps both
    a, b = both_at(app, END)
    assert a != b
    with app.page.expect_download() as info:
        app.click("CSV")
    table = pd.read_csv(io.BytesIO(open(info.value.path(), "rb").read()))
    rows = {name: part.set_index("Step") for name, part in table.groupby("swarm")}
    assert set(rows) == {"A: as it was", label_b}
    runs_a, runs_b = rows["A: as it was"], rows[label_b]
    assert list(runs_a.index) == list(range(END + 1))
    assert list(runs_b.index) == list(range(K, END + 1))  # B's rows: from the branch on
    metrics = ["n_active", "leader_id", "formation_error", "cohesion", "min_separation"]
    assert runs_a.loc[K, metrics].equals(runs_b.loc[K, metrics])  # (measured before the fault)
    for t in range(K + 1, END + 1):
        assert not runs_a.loc[t, metrics].equals(runs_b.loc[t, metrics]), t
    # back before the branch on the timeline: the two swarms show the same state
    slider = app.page.get_by_role("slider", name=SLIDER)
    slider.focus()
    slider.press("Home")
    for _ in range(25):
        slider.press("ArrowRight")
    a, b = both_at(app, 25)
    assert a == b
    leaders = [app.page.locator(".swarm-space").nth(i).get_attribute("data-leader") for i in (0, 1)]
    assert leaders[0] == leaders[1]
    # the timeline marks the branch point; clicking it shows both swarms there
    mark = app.page.locator(".swarm-mark[data-kind=branch]")
    assert mark.get_attribute("data-t") == str(K)
    assert "branch: B gets leader (agent" in mark.get_attribute("title")
    mark.click()
    both_at(app, K)
    assert app.errors == []


def test_an_out_of_range_value_is_refused_inline_naming_the_parameter(app):
    """B: message loss 1.5 is refused beside the field with the range; no second swarm."""
    app.click("Step")
    app.wait_t(lambda t: t == 1)
    app.page.locator(".v-select", has_text="B gets").click()
    app.page.get_by_role("option", name="change a parameter").click()
    field = app.page.get_by_label(re.compile(r"^new value in B"))
    field.fill("1.5")
    field.press("Enter")
    app.page.get_by_role("button", name=re.compile(r"^Branch here")).click()
    app.page.get_by_text("message_loss must be a number in [0, 1]; got 1.5").wait_for()
    assert app.page.locator(".swarm-space").count() == 1
    assert "Traceback" not in app.page.locator("body").inner_text()
    field.fill("0.6")
    field.press("Enter")
    app.page.get_by_role("button", name=re.compile(r"^Branch here")).click()
    app.page.locator(".swarm-space").nth(1).wait_for()
    assert app.page.locator(".swarm-space").nth(1).get_attribute("data-label") == (
        "B: branched at t=1, message loss 0.6"
    )
    # each view's legend sits below its label line (it hid the end of B's long label)
    for i in (0, 1):
        below = app.page.evaluate(LEGEND_BELOW_TEXT, i)
        assert below >= 0, (i, below)
    assert app.errors == []
