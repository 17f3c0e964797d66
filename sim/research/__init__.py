"""Research tooling: experiment files, sweeps, their results and provenance, figures, tables.

``experiment``  reading and validating an experiment file; its runs, ids and order
``sweep``       running the runs (``swarm-sim sweep``): `run_sweep`, `execute_run`, `drive`
``executors``   where runs execute: this process, local worker processes, a Dask cluster
``rerun``       re-running one row of a sweep and comparing it (``swarm-sim rerun``)
``recovery``    why runs never recovered their leader: re-run, held to the liveness guarantee
``results``     the results folder: ``summary.csv`` written a line per run, resume, final order
``provenance``  ``provenance.json``: versions, git state, source hash, sessions
``tables``      per-step tables, written and read (``run --out``, UI CSV, ``[timeseries]``)
``stats``       Wilson and t intervals; `summarise`, the one aggregation behind figures and tables
``plotspec``    what ``swarm-sim plot`` draws: options, the ``[plot]`` table, the default set
``figures``     a metric against a swept parameter (lines or dodged points), heatmaps
``trajectories`` stored time series over the steps: mean ± interval per hue value
``plots``       the ``plot`` command: the chosen figures and the Markdown table
``effects``     paired differences: t interval and Cohen's d_z; paired shares (Newcombe, McNemar)
``compare``     the ``compare`` command: pairs runs that differ in one parameter, compares levels
``compare_text`` its sentences and printed table
"""
