"""The campaign view (NiceGUI), for a campaign file (`plan campaign`, docs/campaigns.md): the
levers on the left (objective, campaign budget, carbon price, each run's deadline month); on the
right the headline, `plan campaign --plot`'s figure (the Gantt of runs by month and site, each
site's MW by month against its limit, GPUs by channel per month), the tables and totals as
`plan campaign` prints them, and the downloads. Every answer comes from planner.page.campaign_state
(solved, tabulated and drawn on the page's process pool)."""

from __future__ import annotations

import base64
from typing import Any

from nicegui import background_tasks, ui

from planner.page.campaign_state import CAMPAIGN_OBJECTIVES, CampaignState, campaign_levers
from planner.page.levers import Scale
from planner.page.page_view import PageView
from planner.page.single_run import price_slider, switched_slider

#: the carbon price slider, USD per t CO2e
PRICE_SCALE = Scale(0.0, 1000.0, 5.0)


class CampaignView(PageView):
    """One tab's campaign view over `state` (a CampaignState); `draw()` builds it in the current
    container, `start()` solves the file's own campaign."""

    title = "Campaign"
    state_class = CampaignState

    @staticmethod
    def accepts(source: Any) -> bool:
        return source.is_campaign

    noun = "campaign"
    answer_noun = "campaign plan"

    def __init__(self, state: CampaignState) -> None:
        super().__init__(state)
        self.state: CampaignState = state

    def draw_figures(self) -> None:
        self.boxes["figure"] = ui.column().classes("w-full")

    async def start(self) -> None:
        await self.resolve()

    # -- controls -----------------------------------------------------------------------------

    def draw_controls(self) -> None:
        box = self.boxes["controls"]
        box.clear()
        lv = self.state.levers
        with box:
            self.draw_objective("Campaign levers", CAMPAIGN_OBJECTIVES, "campaign-objective")
            self.budget_control()
            self.price_control()
            ui.label("deadlines (last month a run may be active)").classes("font-bold mt-2")
            months = self.state.months()
            for run, month in lv.deadlines:
                ui.select(months, value=month, label=run,
                          on_change=lambda e, r=run: self.set_deadline(r, e.value)).classes(
                    f"w-full campaign-deadline-{run}").props("dense").mark(f"deadline:{run}")
            ui.button("back to the file's values", on_click=self.reset).props("flat dense").mark("campaign-reset")

    def budget_control(self) -> None:
        scale = self.state.budget_scale()
        value = self.state.levers.budget
        switched_slider("budget (USD)", value, scale, lambda v: f"${v:,.0f}",
                        lambda current: self.set(budget=None if current is None else float(current)),
                        "campaign-budget", "campaign-budget", high=max(scale.high, value or 0))

    def price_control(self) -> None:
        price_slider(self.state.levers.carbon_price_usd_per_t, PRICE_SCALE,
                     lambda price: self.set(carbon_price_usd_per_t=price), "campaign-carbon-price")

    # -- reacting -----------------------------------------------------------------------------

    def set(self, **values: Any) -> None:
        self.state.levers = self.state.levers.with_(**values)
        background_tasks.create(self.resolve(), name="plan page campaign solve")

    def set_deadline(self, run: str, month: str | None) -> None:
        if month:
            self.state.levers = self.state.levers.with_deadline(run, month)
            background_tasks.create(self.resolve(), name="plan page campaign solve")

    async def reset(self) -> None:
        self.state.levers = campaign_levers(self.state.source.campaign)
        self.draw_controls()
        await self.resolve()

    async def resolve(self) -> None:
        first = self.state.answer is None and self.state.request == 0
        if await self.state.solve():
            if first:
                self.draw_controls()  # the budget slider's range comes from the first plan's cost
            self.draw_answer()

    def cancel(self) -> None:
        self.state.cancel()
        self.draw_answer()
        self.draw_work()

    def draw_work(self) -> None:
        box = self.boxes["work"]
        running = self.state.running
        if running is None:
            if box.default_slot.children:
                box.clear()
            return
        import time

        box.clear()
        with box:
            ui.spinner(size="sm")
            ui.label(f"solving the campaign: {time.monotonic() - running:.1f} s").classes("text-sm")
            ui.button("cancel", on_click=self.cancel).props("dense outline color=red").mark("campaign-cancel")

    # -- answers ------------------------------------------------------------------------------

    def draw_answer(self) -> None:
        box, figure, plan_box = self.boxes["answer"], self.boxes["figure"], self.boxes["plan"]
        for b in (box, figure, plan_box):
            b.clear()
        state = self.state
        with box:
            if state.error is not None:
                ui.label(state.error).classes("text-red-700 font-bold campaign-error").mark("campaign-error")
                return
            if state.answer is None:
                return
            result = state.result
            if result.plan is None:
                ui.label(f"No plan ({result.status}): the limits conflict. What would have to move, and by how "
                         "much, is below.").classes("text-red-700 font-bold campaign-infeasible").mark(
                    "campaign-infeasible")
            else:
                m = result.metrics
                ui.label(f"{len(result.plan.runs)} runs: ${m.cost_usd:,.0f}, {m.co2_t:,.1f} t CO2e "
                         f"({result.status}, objective {result.objective})").classes(
                    "text-lg font-bold campaign-headline").mark("campaign-headline")
        if state.answer.png is not None:
            with figure:
                ui.image("data:image/png;base64," + base64.b64encode(state.answer.png).decode()).classes(
                    "w-full max-w-5xl campaign-figure").mark("campaign-figure")
        with plan_box:
            ui.label("The campaign, as `plan campaign` prints it").classes("font-bold")
            ui.label(state.answer.text).classes("font-mono whitespace-pre text-xs campaign-text").mark("campaign-plan")

    # -- downloads ----------------------------------------------------------------------------

    def downloads(self) -> list[tuple[str, Any, str]]:
        return [(label, handler, f"campaign-download-{label.split()[-1][1:-1]}") for label, handler in (
            ("campaign (YAML)", self.download_yaml), ("campaign plan (JSON)", self.download_json),
            ("campaign plan (CSV)", self.download_csv), ("campaign plot (PNG)", self.download_png))]

    def validate(self, data: dict[str, Any]) -> None:
        from planner.input.campaign_loading import campaign_from_dict

        campaign_from_dict(data)  # only a campaign `plan campaign` accepts is offered

    def answer_texts(self) -> tuple[str, str] | None:
        answer = self.state.answer
        return None if answer is None else (answer.json, answer.csv)

    def download_png(self) -> None:
        if self._texts_or_say() is None:
            return
        answer = self.state.answer
        if answer.png is None:
            ui.notify("no plot to download: the campaign has no plan", type="warning")
            return
        ui.download.content(answer.png, f"{self._stem()}-plan.png", "image/png")


__all__ = ["CampaignView", "PRICE_SCALE"]
