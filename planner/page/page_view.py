"""What the single-run and campaign views share (NiceGUI): the layout (levers on the left; on the
right the answer, the running work, the view's figures, the plan as the CLI prints it, the
downloads), the work timer, and the downloads of the edited file and of the answer's JSON and CSV."""

from __future__ import annotations

from typing import Any

from nicegui import ui


class PageView:
    """The base of SingleRunView and CampaignView. A view sets `noun` (the file's kind), draws its
    levers (draw_controls), its figures (draw_figures, in their boxes), the running work
    (draw_work), names its downloads (downloads) and says how the file is checked (validate) and
    what its answer's JSON and CSV are (answer_texts)."""

    noun = "instance"
    answer_noun = "plan"

    def __init__(self, state: Any) -> None:
        self.state = state
        self.boxes: dict[str, Any] = {}
        self.timer: Any = None

    def draw(self) -> None:
        with ui.row().classes("w-full no-wrap items-start gap-6"):
            self.boxes["controls"] = ui.column().classes("w-72 shrink-0 gap-0")
            with ui.column().classes("grow min-w-0 gap-2"):
                self.boxes["answer"] = ui.column().classes("w-full gap-1")
                self.boxes["work"] = ui.row().classes("w-full items-center gap-2 min-h-6")
                self.draw_figures()
                self.boxes["plan"] = ui.column().classes("w-full gap-1")
                self.boxes["downloads"] = ui.row().classes("w-full items-center gap-2")
        self.draw_controls()
        self.draw_downloads()
        self.timer = ui.timer(0.25, self.draw_work)

    def draw_figures(self) -> None:
        raise NotImplementedError

    def draw_objective(self, title: str, objectives: Any, mark: str) -> None:
        """The levers' title and the objective's select (the view's `set(objective=...)` solves again)."""
        ui.label(title).classes("text-lg font-bold")
        ui.select(objectives, value=self.state.levers.objective, label="objective (minimise)",
                  on_change=lambda e: self.set(objective=e.value)).classes("w-full").mark(mark)

    def draw_controls(self) -> None:
        raise NotImplementedError

    def draw_work(self) -> None:
        raise NotImplementedError

    # -- downloads ----------------------------------------------------------------------------

    def downloads(self) -> list[tuple[str, Any, str]]:
        """(button label, handler, mark) of each download."""
        raise NotImplementedError

    def draw_downloads(self) -> None:
        box = self.boxes["downloads"]
        box.clear()
        with box:
            ui.label("Download:").classes("font-bold")
            for label, handler, mark in self.downloads():
                ui.button(label, on_click=handler).props("dense outline").mark(mark)

    def _stem(self) -> str:
        return self.state.source.label.rsplit(".", 1)[0] or self.noun

    def validate(self, data: dict[str, Any]) -> None:
        """InputError unless `data` is a file the CLI accepts (only such a file is offered)."""
        raise NotImplementedError

    def download_yaml(self) -> None:
        from planner.errors import InputError
        from planner.page.answers import yaml_text

        try:
            data = self.state.data()
            self.validate(data)
        except InputError as exc:
            ui.notify(f"no {self.noun} to download: {exc}", type="negative")
            return
        ui.download.content(yaml_text(data).encode(), f"{self._stem()}-edited.yaml", "application/yaml")

    def answer_texts(self) -> tuple[str, str] | None:
        """The answer's JSON and CSV, as the CLI writes them; None without an answer."""
        raise NotImplementedError

    def _texts_or_say(self) -> tuple[str, str] | None:
        texts = self.answer_texts()
        if texts is None:
            ui.notify(f"no {self.answer_noun} to download: " + (self.state.error or "not solved yet"), type="warning")
        return texts

    def download_json(self) -> None:
        if (texts := self._texts_or_say()) is not None:
            ui.download.content(texts[0].encode(), f"{self._stem()}-plan.json", "application/json")

    def download_csv(self) -> None:
        if (texts := self._texts_or_say()) is not None:
            ui.download.content(texts[1].encode(), f"{self._stem()}-plan.csv", "text/csv")


__all__ = ["PageView"]
