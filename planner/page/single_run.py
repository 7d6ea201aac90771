"""The single-run view (NiceGUI): the levers on the left; the optimal plan as `plan solve` prints
it, its CO2 equivalents, the cost/CO2 (or cost/time) frontier with the current plan marked, `rank`
by region or GPU, the uncertainty band (instances with an `uncertainty:` block) and the downloads
on the right. Every answer comes from planner.page.state (solves on the process pool)."""

from __future__ import annotations

from typing import Any

from nicegui import background_tasks, ui

from planner.constants import Objective
from planner.formulas.limits import OBJECTIVES as OBJECTIVES_TABLE
from planner.page import answers
from planner.page.levers import OBJECTIVES, SLIDER_LIMITS, Scale, snap
from planner.page.page_view import PageView
from planner.page.state import RunState

#: how a limit's value is written, by the unit of its row in planner.formulas.limits
_UNIT_TEXT = {"USD": ("USD", lambda v: f"${v:,.0f}"), "days": ("days", lambda v: f"{v:,.0f} days"),
              "t": ("t CO2e", lambda v: f"{v:,.0f} t CO2e")}
#: lever -> (label, unit words, how a value is written): the limits with a frontier quantity
#: (budget, carbon budget, deadline: planner.formulas.limits), then the grid limit
LIMITS = {
    **{limit.key: (limit.noun, *_UNIT_TEXT[limit.unit]) for limit in SLIDER_LIMITS},
    "grid_mw": ("grid limit, every region", "MW", lambda v: f"{v:,.2f} MW"),
}


class LeverSlider(ui.slider):
    """A slider whose moves are not echoed back by the server (NiceGUI's LOOPBACK, off as for its
    text inputs): keys pressed faster than a round trip would otherwise be undone by the echo of an
    earlier value."""

    LOOPBACK = False


def usd_per_t(value: float) -> str:
    return f"${value:,.0f} per t CO2e"


def switched_slider(label: str, value: float | None, scale: Scale, show: Any, on_change: Any, mark: str,
                    css: str, high: float | None = None) -> LeverSlider:
    """A limit lever of either view: an on/off switch, the value as text, and a slider over
    `scale` (up to `high`, else scale.high) that is enabled while the switch is on. `on_change`
    gets the slider's value, or None when switched off. Marks: `mark`-on, `mark`-value, `mark`;
    CSS classes `css`-on, `css`-value, `css` (the browser tests find them)."""
    on = value is not None
    shown = snap(value, scale) if on else snap((scale.low + scale.high) / 2, scale)
    with ui.row().classes("w-full items-center justify-between no-wrap"):
        switch = ui.switch(label, value=on).classes(f"{css}-on").mark(f"{mark}-on")
        text = ui.label(show(value) if on else "off").classes(f"text-sm tabular-nums {css}-value").mark(
            f"{mark}-value")
    slider = LeverSlider(min=scale.low, max=scale.high if high is None else high, step=scale.step,
                         value=shown).mark(mark)
    slider.classes(css)
    slider.set_enabled(on)

    def changed(_: Any = None) -> None:
        current = slider.value if switch.value else None
        text.set_text(show(current) if current is not None else "off")
        on_change(current)

    def switched(_: Any = None) -> None:
        slider.set_enabled(switch.value)  # only here: an update of the slider while it moves would reset it
        changed()

    switch.on_value_change(switched)
    slider.on_value_change(changed)
    return slider


def price_slider(value: float, scale: Scale, on_change: Any, mark: str) -> LeverSlider:
    """The carbon price lever of either view: its value as text and a slider over `scale`;
    `on_change` gets the price as a float. Marks: `mark`-value, `mark`."""
    with ui.row().classes("w-full items-center justify-between no-wrap"):
        ui.label("carbon price (USD/t CO2e)")
        text = ui.label(usd_per_t(value)).classes("text-sm tabular-nums").mark(f"{mark}-value")
    slider = LeverSlider(min=scale.low, max=max(scale.high, value), step=scale.step, value=value).mark(mark)
    ui.label("counts in the objective 'weighted' only").classes("text-xs text-gray-500")

    def changed(_: Any = None) -> None:
        text.set_text(usd_per_t(slider.value))
        on_change(float(slider.value))

    slider.on_value_change(changed)
    return slider


class SingleRunView(PageView):
    """One tab's single-run view over `state` (a RunState); `draw()` builds it in the current
    container."""

    title = "Single run"

    def __init__(self, state: RunState) -> None:
        super().__init__(state)
        self.state: RunState = state
        self.sliders: dict[str, Any] = {}

    # -- layout -------------------------------------------------------------------------------

    def draw_figures(self) -> None:
        with ui.row().classes("w-full no-wrap items-start gap-4"):
            self.boxes["frontier"] = ui.column().classes("grow min-w-0 gap-1")
            self.boxes["rank"] = ui.column().classes("w-[30rem] shrink-0 gap-1")
        self.boxes["band"] = ui.column().classes("w-full")

    async def start(self) -> None:
        """First answers: the file's own plan, then its frontier and ranking."""
        await self.state.solve()
        self.draw_controls()
        self.draw_answer()
        await self.follow_up()

    # -- controls -----------------------------------------------------------------------------

    def draw_controls(self) -> None:
        box = self.boxes["controls"]
        box.clear()
        lv = self.state.levers
        with box:
            self.draw_objective("Levers", OBJECTIVES, "objective")
            scales = self.state.scales
            if scales is not None:
                for name in LIMITS:   # budget, carbon budget, deadline (the limits table), grid
                    self.limit_control(name, scales.of(name))
                self.price_control(scales.carbon_price_usd_per_t)
            self.target_control()
            self.choice_control("regions", [r.name for r in self.state.source.instance.regions], lv.regions)
            self.choice_control("gpus", [g.name for g in self.state.source.instance.gpus], lv.gpus)
            ui.button("back to the file's values", on_click=self.reset).props("flat dense").mark("reset")

    def limit_control(self, name: str, scale: Scale) -> None:
        label, unit, show = LIMITS[name]
        self.sliders[name] = switched_slider(
            f"{label} ({unit})", self.state.levers.value(name), scale, show,
            lambda current: self.set(**{name: current}), name, f"lever-{name.replace('_', '-')}")

    def price_control(self, scale: Scale) -> None:
        price_slider(self.state.levers.carbon_price_usd_per_t, scale,
                     lambda price: self.set(carbon_price_usd_per_t=price), "carbon_price")

    def target_control(self) -> None:
        target = self.state.levers.target
        ui.label("loss target").classes("font-bold mt-2")
        if target is None:
            ui.label("none (objective loss)").classes("text-sm")
            return
        kind = ui.toggle({"max_loss": "max loss", "match": "match a model"}, value=target[0]).props("dense").mark(
            "target-kind")
        loss = ui.number("max loss, nats/token", format="%.4f", step=0.001,
                         value=target[1] if target[0] == "max_loss" else None).classes("w-full").mark("max_loss")
        with ui.row().classes("w-full no-wrap gap-2"):
            params = ui.number("model, billion params", format="%.3g", step=1,
                               value=target[1] / 1e9 if target[0] == "match" else None).classes("w-1/2").mark(
                "match_params")
            tokens = ui.number("tokens, trillions", format="%.3g", step=0.1,
                               value=target[2] / 1e12 if target[0] == "match" else None).classes("w-1/2").mark(
                "match_tokens")

        def changed(_: Any = None) -> None:
            if kind.value == "max_loss" and loss.value is not None:
                self.set(target=("max_loss", float(loss.value)))
            elif kind.value == "match" and params.value is not None and tokens.value is not None:
                self.set(target=("match", float(params.value) * 1e9, float(tokens.value) * 1e12))

        for element in (kind, loss, params, tokens):
            element.on_value_change(changed)

    def choice_control(self, key: str, names: list[str], kept: tuple[str, ...]) -> None:
        ui.label({"regions": "regions", "gpus": "GPU types"}[key]).classes("font-bold mt-2")
        with ui.row().classes("gap-x-3 gap-y-0"):
            for name in names:
                ui.checkbox(name, value=name in kept,
                            on_change=lambda e, n=name: self.toggle(key, n, e.value)).mark(f"{key}:{name}")

    # -- reacting -----------------------------------------------------------------------------

    def set(self, **values: Any) -> None:
        self.state.levers = self.state.levers.with_(**values)
        background_tasks.create(self.resolve(), name="plan page solve")

    def toggle(self, key: str, name: str, on: bool) -> None:
        every = [r.name for r in getattr(self.state.source.instance, key)]
        kept = set(getattr(self.state.levers, key)) | {name} if on else set(getattr(self.state.levers, key)) - {name}
        self.set(**{key: tuple(n for n in every if n in kept)})

    async def reset(self) -> None:
        from planner.page.levers import levers_of

        self.state.levers = levers_of(self.state.source.instance)
        self.draw_controls()
        await self.resolve()

    async def resolve(self) -> None:
        """The plan of the levers now, then (if still the newest) its frontier and ranking."""
        if await self.state.solve():
            self.draw_answer()
            await self.follow_up()

    async def follow_up(self) -> None:
        request = self.state.request
        await self.state.run_frontier()
        if request == self.state.request:
            self.draw_frontier()
            await self.state.run_rank()
        if request == self.state.request:
            self.draw_rank()
            self.draw_band()

    def samples(self, value: float | None) -> None:
        """Scenarios of the band: a whole number from 10 to 100,000 (else the last good one)."""
        if value is not None and 10 <= value <= 100_000:
            self.state.band_samples = int(value)

    async def run_band(self) -> None:
        await self.state.run_band()
        self.draw_band()
        self.draw_frontier()  # the band's whiskers on the current plan

    def cancel(self) -> None:
        self.state.cancel()
        self.draw_work()

    # -- answers ------------------------------------------------------------------------------

    def draw_answer(self) -> None:
        box, plan_box = self.boxes["answer"], self.boxes["plan"]
        box.clear()
        plan_box.clear()
        state = self.state
        with box:
            if state.error is not None:
                ui.label(state.error).classes("text-red-700 font-bold plan-error").mark("error")
                return
            result = state.result
            if result.metrics is None:
                ui.label(f"No plan ({result.status}): the limits conflict. By how much each must move is "
                         "in the plan's answer below.").classes("text-red-700 font-bold plan-infeasible").mark("infeasible")
            else:
                ui.label(answers.headline(result)).classes("text-lg font-bold plan-headline").mark("headline")
                lines = answers.equivalent_lines(result.metrics.co2_t.total)
                ui.label(f"{result.metrics.co2_t.total:,.1f} t CO2e = " + " = ".join(line for line, _ in lines)).classes(
                    "text-sm plan-equivalents").mark("equivalents")
                ui.label("factors: " + "; ".join(source for _, source in lines)).classes("text-xs text-gray-500")
        with plan_box:
            ui.label("The plan, as `plan solve` prints it").classes("font-bold")
            ui.label(answers.plan_text(result)).classes("font-mono whitespace-pre text-xs plan-text").mark("plan")

    def draw_frontier(self) -> None:
        box = self.boxes["frontier"]
        box.clear()
        state = self.state
        with box:
            with ui.row().classes("items-center gap-2"):
                ui.label("Frontier: least cost for each").classes("font-bold")
                ui.select({q: OBJECTIVES_TABLE[q].label for q in (Objective.CO2, Objective.TIME)}, value=state.frontier_limit,
                          on_change=self.frontier_limit).props("dense").mark("frontier-limit")
            front = state.frontier
            if front is None:
                ui.label(state.notes.get("frontier", "no frontier")).classes("text-sm text-gray-600")
                return
            chart = answers.frontier_chart(front, state.result, state.band)
            if not chart.points:
                ui.label("no frontier: no plan meets the limits (what would have to move is in the plan's answer)"
                         ).classes("text-sm text-red-700")
                return
            ui.echart(frontier_options(chart), on_point_click=self.show_point, renderer="svg").classes(
                "w-full h-80 plan-frontier").mark("frontier")
            ui.label("hover a point for its plan, click it for the whole table; the diamond is the plan above"
                     ).classes("text-xs text-gray-500")

    async def frontier_limit(self, event: Any) -> None:
        self.state.frontier_limit = event.value
        self.state.request += 1
        await self.follow_up()

    def show_point(self, event: Any) -> None:
        front = self.state.frontier
        if front is None or event.series_index != 0 or not 0 <= event.data_index < len(front.points):
            return
        chart = answers.frontier_chart(front, self.state.result)
        point = chart.points[event.data_index]
        with ui.dialog() as dialog, ui.card().classes("max-w-none"):
            ui.label(f"{point.label}: {point.text}").classes("font-bold")
            ui.label(answers.plan_text(point.result)).classes("font-mono whitespace-pre text-xs").mark("point-plan")
            ui.button("close", on_click=dialog.close)
        dialog.open()

    def draw_rank(self) -> None:
        box = self.boxes["rank"]
        box.clear()
        with box:
            with ui.row().classes("items-center gap-2"):
                ui.label("Best plan for each").classes("font-bold")
                ui.select({"region": "region", "gpu": "GPU type"}, value=self.state.rank_by,
                          on_change=self.rank_by).props("dense").mark("rank-by")
            ranking = self.state.ranking
            if ranking is None:
                ui.label(self.state.notes.get("rank", "no ranking")).classes("text-sm text-gray-600")
                return
            columns = [{"name": k, "label": label, "field": k, "align": "left" if k in ("value", "plan") else "right"}
                       for k, label in (("rank", "#"), ("value", ranking.by), ("gap", "gap"), ("cost", "cost (USD)"),
                                        ("co2", "CO2e (t)"), ("days", "days"), ("plan", "plan / why none"))]
            ui.table(columns=columns, rows=answers.rank_table(ranking), row_key="value").props(
                "dense flat wrap-cells").classes("w-full text-xs").mark("rank")

    async def rank_by(self, event: Any) -> None:
        self.state.rank_by = event.value
        await self.state.run_rank()
        self.draw_rank()

    def draw_band(self) -> None:
        box = self.boxes["band"]
        box.clear()
        if not self.state.has_band:
            return
        band = self.state.band
        with box:
            with ui.row().classes("items-center gap-2"):
                ui.label("Uncertainty band of this plan").classes("font-bold")
                ui.number("samples", value=self.state.band_samples, min=10, max=100_000, step=100, precision=0,
                          on_change=lambda e: self.samples(e.value)).props("dense").classes("w-28").mark("band-samples")
                ui.button("run", on_click=self.run_band).props("dense").classes("plan-band-run").mark("band-run")
            if band is None:
                ui.label(self.state.notes.get("uncertainty", "the instance's uncertainty: block; run it to see P10-P90")).classes(
                    "text-sm text-gray-600")
                return
            columns = [{"name": k, "label": k.upper() if k != "figure" else "figure", "field": k,
                        "align": "left" if k == "figure" else "right"} for k in ("figure", "p10", "p50", "p90")]
            ui.table(columns=columns, rows=answers.band_rows(band), row_key="figure").props("dense flat").classes(
                "text-xs plan-band").mark("band")
            ui.label(answers.band_probabilities(band)).classes("text-sm")

    def draw_work(self) -> None:
        """What runs now (frontier, ranking, band), with progress, time and one cancel button."""
        import time

        box = self.boxes["work"]
        works = list(self.state.works.values())
        box.clear()
        if not works:
            return
        with box:
            for work in works:
                elapsed = time.monotonic() - work.started
                if work.total:
                    ui.linear_progress(value=work.done / work.total, show_value=False).classes("w-48")
                    ui.label(f"{work.what}: {work.done} of {work.total}, {elapsed:.1f} s").classes("text-sm")
                else:
                    ui.spinner(size="sm")
                    ui.label(f"{work.what}: running, {elapsed:.1f} s").classes("text-sm")
            ui.button("cancel", on_click=self.cancel).props("dense outline color=red").mark("cancel")

    # -- downloads ----------------------------------------------------------------------------

    def downloads(self) -> list[tuple[str, Any, str]]:
        return [(label, handler, f"download-{label.split()[0]}") for label, handler in (
            ("instance (YAML)", self.download_yaml), ("plan (JSON)", self.download_json),
            ("plan (CSV)", self.download_csv), ("frontier (PNG)", self.download_frontier),
            ("uncertainty (PNG)", self.download_band))]

    def validate(self, data: dict[str, Any]) -> None:
        from planner.input.loading import instance_from_dict

        instance_from_dict(data)  # only an instance `plan solve` accepts is offered

    def answer_texts(self) -> tuple[str, str] | None:
        result = self.state.result
        return None if result is None else (answers.json_text(result), answers.csv_text(result))

    def download_frontier(self) -> None:
        front = self.state.frontier
        if front is None or not front.points:
            ui.notify("no frontier to download", type="warning")
            return
        ui.download.content(answers.frontier_png(front, self.state.result), f"{self._stem()}-frontier.png", "image/png")

    def download_band(self) -> None:
        if self.state.band is None:
            ui.notify("no uncertainty band: the instance has no uncertainty: block, or it has not run",
                      type="warning")
            return
        ui.download.content(answers.uncertainty_png(self.state.band), f"{self._stem()}-uncertainty.png", "image/png")


def frontier_options(chart: answers.Chart) -> dict[str, Any]:
    """ECharts options: the frontier as a staircase of points (each named by its plan, shown on
    hover), the current plan as a diamond, both axes titled with their units."""
    points = [{"value": [p.x, p.y], "name": f"{p.label}: {p.text}"} for p in chart.points]
    series: list[dict[str, Any]] = [{"type": "line", "step": "end", "name": "frontier", "data": points,
                                     "symbolSize": 9}]
    if chart.current is not None:
        series.append({"type": "scatter", "name": "current plan", "symbol": "diamond", "symbolSize": 18,
                       "data": [{"value": list(chart.current), "name": "current plan"}], "z": 5})
    for k, whisker in enumerate(chart.band or []):
        series.append({"type": "line", "name": "P10-P90 of this plan", "data": whisker, "symbol": "rect",
                       "symbolSize": [2, 10] if k == 0 else [10, 2], "lineStyle": {"color": "#b91c1c", "width": 2},
                       "itemStyle": {"color": "#b91c1c"}, "tooltip": {"show": False}, "z": 4})
    axis = {"type": "value", "scale": True, "nameLocation": "middle", "nameTextStyle": {"fontSize": 13}}
    return {
        "animation": False,
        "grid": {"left": 70, "right": 30, "top": 40, "bottom": 55},
        "legend": {"top": 0},
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "xAxis": {**axis, "name": chart.x_title, "nameGap": 30},
        "yAxis": {**axis, "name": chart.y_title, "nameGap": 50},
        "series": series,
    }


__all__ = ["SingleRunView", "frontier_options", "LIMITS"]
