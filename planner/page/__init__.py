"""`plan page`: a local web page over the exact planner (docs/page.md).

Layers, in the order data flows (no module here is imported by the rest of planner):

- source.py:  the instances the page may read (files given on the command line, or uploaded),
  each checked as the CLI checks a file; the levers' changes applied as `plan solve --set` does.
- levers.py:  the controls' values (objective, budget, deadline, carbon price and budget, grid
  limit, loss target, regions and GPU types) and the --set changes they make.
- jobs.py:    solves off the UI thread, on a process pool of planner.analysis.executor: a plan, a
  frontier, a ranking, an uncertainty band; cancellable.
- answers.py: results as the page shows them (the CLI's plan table from planner.present, frontier
  points, rank rows, percentile bands) and the downloads (YAML, JSON, CSV, PNG).
- single_run.py: the single-run view (NiceGUI). app.py: the page, its views (VIEWS) and `run`.

Only single_run.py and app.py import NiceGUI, and only `plan page` imports them.
"""
