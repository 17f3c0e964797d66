"""What ``swarm-sim plot`` draws: a few figures that answer the experiment's question.

A figure shows one metric against one swept parameter (``x``), one line or point series per value
of a second (``hue``) and one panel per value of a third (``facet``); every swept parameter it
does not show is pooled and named in its subtitle. The choice comes, in this order, from the
command line (``--metric``, ``--x``, ``--hue``, ``--facet``, ``--timeseries``), from the
experiment file's optional ``[plot]`` table, and from a small documented default: the first
`DEFAULT_METRICS` metrics of `PRIORITY` that vary across runs, against the swept parameters in
file order (x the first, hue the second, facet the third), and the first stored time series.
Naming ``none`` as hue or facet leaves that role empty; a swept parameter in no role is pooled.
This module holds the rules and their one-line errors; it draws nothing (`sim.research.plots`
does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PLOT_KEYS = ("metrics", "x", "hue", "facet", "timeseries")
ROLES = ("x", "hue", "facet")
NONE = "none"  # as hue or facet: leave that role empty (its parameter, if any, is pooled)
# The default metrics, most telling first: does the group arrive, how fast does it recover.
PRIORITY = (
    "mission_success",
    "max_recovery_steps",
    "leaderless_steps",
    "mean_formation_error",
    "final_direction_error",
    "final_active",
    "collisions",
)
DEFAULT_METRICS = 2  # metrics drawn when neither the command line nor [plot] names any
MAX_FACETS = 6  # a facet parameter with more values than this cannot be shown as panels


@dataclass(frozen=True)
class PlotPlan:
    """The figures of one ``plot`` call.

    Attributes:
        metrics: summary metrics, one figure each against `x`.
        x: the swept parameter on the horizontal axis (None: nothing swept).
        hue: the parameter drawn as separate lines or dodged points (None: pooled or absent).
        facet: the parameter drawn as panels (None: pooled or absent).
        series: stored time-series reporters, one trajectory figure each.
    """

    metrics: tuple[str, ...]
    x: str | None
    hue: str | None
    facet: str | None
    series: tuple[str, ...]


def names(values: Sequence[str] | None) -> list[str]:
    """Repeated options and comma lists as one list: ``["a,b", "c"]`` → ``["a", "b", "c"]``."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _listing(allowed: Sequence[str]) -> str:
    return ", ".join(allowed) if allowed else "none available"


def check_name(option: str, value: str, allowed: Sequence[str], what: str) -> str:
    """`value` if it is in `allowed`, else a ValueError naming `option` and the allowed names."""
    if value not in allowed:
        raise ValueError(f"{option}: unknown {what} {value!r} (allowed: {_listing(allowed)})")
    return value


def parse_plot(
    value: Any, swept: Sequence[str], metrics: Sequence[str], series: Sequence[str]
) -> dict[str, Any]:
    """Validate an experiment file's ``[plot]`` table; its keys are `PLOT_KEYS`, all optional.

    Args:
        value: The parsed table.
        swept: The swept parameters (a linked axis by its first name).
        metrics: The summary metrics.
        series: The reporters kept by ``[timeseries]`` (none without it).

    Raises:
        ValueError: naming the key and its allowed values.
    """
    if not isinstance(value, dict):
        raise ValueError('[plot] must be a table such as metrics = ["mission_success"], x = "..."')
    for key in value:
        check_name("[plot]", key, PLOT_KEYS, "key")
    out: dict[str, Any] = {}
    for key, allowed, what in (("metrics", metrics, "metric"), ("timeseries", series, "column")):
        if key in value:
            items = value[key]
            if key == "timeseries" and items and not series:
                raise ValueError("[plot] timeseries needs a [timeseries] table keeping its columns")
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError(
                    f"[plot] {key} must be a list of names (allowed: {_listing(allowed)})"
                )
            out[key] = [check_name(f"[plot] {key}", i, allowed, what) for i in items]
    for role in ROLES:
        if role in value:
            choices = list(swept) if role == "x" else [*swept, NONE]
            if not isinstance(value[role], str):
                raise ValueError(f"[plot] {role} must be a name (allowed: {_listing(choices)})")
            out[role] = check_name(f"[plot] {role}", value[role], choices, "parameter")
    _check_distinct({r: out[r] for r in ROLES if r in out}, "[plot] ")
    return out


def _check_distinct(roles: Mapping[str, str | None], prefix: str = "--") -> None:
    seen: dict[str, str] = {}
    for role, param in roles.items():
        if param is None or param == NONE:
            continue
        if param in seen:
            raise ValueError(
                f"{prefix}{role}: {param} is already the {seen[param]}; x, hue and facet must "
                "name different parameters"
            )
        seen[param] = role


def choose_roles(
    given: Mapping[str, str | None],
    declared: Mapping[str, Any],
    swept: Sequence[str],
    counts: Mapping[str, int],
) -> dict[str, str | None]:
    """x, hue and facet: the command line's, else ``[plot]``'s, else the next swept parameters.

    A ``[plot]`` role whose parameter the command line already shows elsewhere is skipped; a
    default facet is the next parameter with at most `MAX_FACETS` values (others stay pooled).

    Raises:
        ValueError: for an unknown or repeated parameter, or a facet with too many values.
    """
    for role in ROLES:
        if given.get(role) is not None:
            choices = list(swept) if role == "x" else [*swept, NONE]
            check_name(f"--{role}", given[role], choices, "parameter")
    _check_distinct(given)
    chosen = {r: given[r] for r in ROLES if given.get(r) is not None}
    for role in ROLES:
        wanted = declared.get(role)
        if role not in chosen and wanted and (wanted == NONE or wanted not in chosen.values()):
            chosen[role] = wanted
    rest = [p for p in swept if p not in chosen.values()]
    for role in ROLES:
        if role not in chosen:
            fits = [p for p in rest if role != "facet" or counts[p] <= MAX_FACETS]
            chosen[role] = fits[0] if fits else None
            rest = [p for p in rest if p != chosen[role]]
    facet = chosen["facet"]
    if facet not in (None, NONE) and counts[facet] > MAX_FACETS:
        where = "--facet" if given.get("facet") else "[plot] facet"
        raise ValueError(
            f"{where}: {facet} has {counts[facet]} values, more than {MAX_FACETS} panels; "
            "choose another parameter, or none to pool it"
        )
    return {r: None if chosen[r] == NONE else chosen[r] for r in ROLES}


def choose_metrics(
    given: Sequence[str],
    declared: Sequence[str] | None,
    usable: Sequence[str],
    known: Sequence[str],
    varying: Sequence[str],
) -> tuple[list[str], list[str]]:
    """The metrics to draw and notes about declared ones that cannot be drawn.

    Args:
        given: ``--metric`` names (checked: unknown or without data is an error).
        declared: ``[plot] metrics`` (one without data is skipped with a note).
        usable: metrics with at least one finite value.
        known: every summary metric of the results.
        varying: usable metrics with more than one distinct value (the default draws these).

    Raises:
        ValueError: naming ``--metric`` and the allowed metrics.
    """
    for name in given:
        if name not in known:
            check_name("--metric", name, usable, "metric")
        if name not in usable:
            raise ValueError(
                f"--metric: {name} has no finite value in these results "
                f"(allowed: {_listing(usable)})"
            )
    if given:
        return list(dict.fromkeys(given)), []
    if declared is not None:
        skipped = [m for m in declared if m not in usable]
        notes = [
            f"[plot] metric {m} has no finite value in these results; skipped" for m in skipped
        ]
        return [m for m in declared if m in usable], notes
    ranked = [m for m in PRIORITY if m in varying] or [m for m in PRIORITY if m in usable]
    return ranked[:DEFAULT_METRICS], []


def choose_series(
    given: Sequence[str], declared: Sequence[str] | None, stored: Sequence[str], others: bool
) -> list[str]:
    """The stored time series to draw: ``--timeseries``, else ``[plot]``'s, else the first one.

    With `others` (``--metric`` given) and no ``--timeseries``, none are drawn; with
    ``--timeseries`` and no ``--metric``, `choose_metrics` draws no metric (see `make_plan`).

    Raises:
        ValueError: naming ``--timeseries`` and the stored reporters.
    """
    if given and not stored:
        raise ValueError(
            "--timeseries: these results hold no time series (add a [timeseries] table to the "
            "experiment file and run the sweep again)"
        )
    for name in given:
        check_name("--timeseries", name, stored, "stored column")
    if given or others:
        return list(dict.fromkeys(given))
    if declared is not None:
        return [s for s in declared if s in stored]
    return list(stored[:1])
