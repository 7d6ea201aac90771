"""The page: a header to pick an instance or campaign (a file given to `plan page`, a bundled one,
or an upload) and one tab per view. VIEWS lists the views: each a class built from its state
(`state_class(source, jobs)`, RunState when it names none) with `draw()` and `start()`, shown for
the sources it `accepts` (the single-run view for an instance, the campaign view for a campaign
file); the tab of the first view that accepts the source picked is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import app as nicegui_app
from nicegui import background_tasks, ui

from planner.errors import InputError, one_line
from planner.input.loading import MAX_INSTANCE_BYTES as MAX_UPLOAD_BYTES
from planner.page.campaign_view import CampaignView
from planner.page.jobs import Jobs
from planner.page.single_run import SingleRunView
from planner.page.source import Source, read_upload
from planner.page.state import RunState

#: tab title -> view class (built from a RunState; draw() then start())
VIEWS: dict[str, Callable[[Any], Any]] = {"Single run": SingleRunView, "Campaign": CampaignView}


def accepts(view_class: Any, source: Source) -> bool:
    """Whether the view shows `source` (a view without `accepts` shows instances, not campaigns)."""
    check = getattr(view_class, "accepts", None)
    return check(source) if check is not None else not source.is_campaign


class PageApp:
    """The page over `sources` (read and validated before the server starts), solving on one
    process pool of `workers` processes."""

    def __init__(self, sources: list[Source], workers: int = 2) -> None:
        if not sources:
            raise InputError("FILE", "no instance to show: name a YAML file")
        self.sources = list(sources)
        self.jobs = Jobs(workers)

    def close(self) -> None:
        self.jobs.close()

    def root(self) -> None:
        """One browser tab's page (NiceGUI calls it for every visit)."""
        ui.page_title("plan: what-if planning")
        ui.query("body").classes("bg-white")
        sources = list(self.sources)  # uploads are this tab's own
        views: dict[str, Any] = {}
        with ui.header().classes("items-center gap-4 bg-slate-800 py-1"):
            ui.label("plan").classes("text-xl font-bold")
            ui.label("what-if planning over the exact planner").classes("text-sm text-slate-300")
            picker = ui.select({k: s.label for k, s in enumerate(sources)}, value=0, label="instance").classes(
                "w-72 plan-instance").props("dark dense options-dense").mark("instance")
            ui.button("open a YAML file", on_click=lambda: opener.open()).props("flat dense color=white").classes(
                "plan-open").mark("open")
            message = ui.label("").classes("text-amber-300 font-bold upload-error").mark("upload-error")
        with ui.dialog() as opener, ui.card():
            ui.label(f"An instance or campaign file (YAML, at most {MAX_UPLOAD_BYTES:,} bytes), checked as "
                     "`plan solve` (or `plan campaign`) checks it")
            ui.upload(label="instance file", auto_upload=True, max_file_size=MAX_UPLOAD_BYTES,
                      on_upload=lambda e: upload(e), on_rejected=lambda: rejected()).props(
                "accept=.yaml,.yml").classes("w-96").mark("upload")
        with ui.tabs().props("dense align=left").classes("w-full") as tabs:
            for title in VIEWS:
                ui.tab(title)
        with ui.tab_panels(tabs, value=next(iter(VIEWS))).classes("w-full") as panels:
            for title in VIEWS:
                with ui.tab_panel(title).classes("p-2"):
                    views[title] = ui.column().classes("w-full")

        def show(index: int) -> None:
            self.show_views(sources[index], views, panels)

        async def upload(event: Any) -> None:
            file = event.file
            if file.size() > MAX_UPLOAD_BYTES:
                message.set_text(f"upload {file.name}: file is larger than {MAX_UPLOAD_BYTES:,} bytes; "
                                 "an instance is at most that")
                return
            try:
                source = read_upload(file.name, await file.read())
            except InputError as exc:
                message.set_text(one_line(str(exc)))
                return
            message.set_text("")
            opener.close()
            sources.append(source)
            picker.set_options({k: s.label for k, s in enumerate(sources)}, value=len(sources) - 1)

        def rejected() -> None:
            message.set_text(f"upload: file is larger than {MAX_UPLOAD_BYTES:,} bytes; an instance is at most that")

        picker.on_value_change(lambda e: show(e.value))
        show(0)

    def show_views(self, source: Source, views: dict[str, Any], panels: Any) -> None:
        """Draw every view that accepts `source` (a note in the others), start their first solves,
        and open the first such view's tab."""
        shown = [title for title, view_class in VIEWS.items() if accepts(view_class, source)]
        for title, view_class in VIEWS.items():
            views[title].clear()
            if title not in shown:
                with views[title]:
                    ui.label(f"{source.label} is " + ("a campaign file: see the Campaign tab" if source.is_campaign
                                                      else "a single-run instance: see the Single run tab")
                             ).classes("text-gray-600").mark(f"not-{title.lower().replace(' ', '-')}")
                continue
            view = view_class(getattr(view_class, "state_class", RunState)(source, self.jobs))
            with views[title]:
                view.draw()
            background_tasks.create(view.start(), name="plan page first solve")
        if shown and panels.value not in shown:
            panels.set_value(shown[0])


def run(app: PageApp, host: str = "127.0.0.1", port: int = 8080, show: bool = False) -> None:
    """Serve the page until Ctrl-C (workers started first, ended at shutdown); `show` opens it in
    the default web browser."""
    app.jobs.warm()
    nicegui_app.on_shutdown(app.close)
    _shut_down_on_sighup()
    ui.run(app.root, host=host, port=port, title="plan: what-if planning", reload=False, show=show,
           dark=False, uvicorn_logging_level="warning", favicon="📈")


def _shut_down_on_sighup() -> None:
    """A closed terminal (SIGHUP) shuts the server down as Ctrl-C and SIGTERM do: uvicorn catches
    the signals in uvicorn.server.HANDLED_SIGNALS while it serves, stops gracefully (on_shutdown
    ends the workers) and raises the signal again once its handlers are gone, so `plan page`
    exits 128 + the signal (planner.cli.support). A SIGHUP it did not catch reached plan's handler
    inside uvloop's signal callback: a traceback, and the server ran on."""
    import signal

    try:
        import uvicorn.server
    except ImportError:  # pragma: no cover -- NiceGUI serves through uvicorn
        return
    hup = getattr(signal, "SIGHUP", None)
    handled = getattr(uvicorn.server, "HANDLED_SIGNALS", None)
    if hup is not None and isinstance(handled, tuple) and hup not in handled:
        uvicorn.server.HANDLED_SIGNALS = (*handled, hup)


__all__ = ["PageApp", "VIEWS", "run", "MAX_UPLOAD_BYTES"]
