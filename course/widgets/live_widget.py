"""The skeleton every ``show_*`` visualizer is built on: controls, a ``compute_*`` call, a picture.

A visualizer has three parts, and only the first two differ from one to the next:

- its **controls** (sliders, dropdowns) and where they go;
- its **compute** step: a call of its pure ``compute_*`` function with the controls' values;
- its **picture**: a :class:`Picture` subclass that builds the figure's artists once
  (``__init__``) and moves them to show one result of the compute step (``draw``).

:func:`live_widget` wires them: every change of a control's value calls the compute step with all
the controls' values (as keyword arguments named like the controls) and hands the result to the
picture, which redraws in place through :class:`~course.widgets.live_figure.LiveFigure`. State that
outlives one update (a cache of expensive results, a search re-run on demand) belongs to the compute
step, not to the picture: ``functools.cache`` on a closure is usually all it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt

from course.plots import PALETTE, course_style
from course.widgets.live_figure import LiveFigure

__all__ = ["Picture", "live_widget", "note", "note_text"]

# The rc settings of the small, dense figures (several panels at 72 dpi) most visualizers use.
SMALL_TEXT = {"font.size": 8, "axes.titlesize": 9}


class Picture:
    """One figure, built once, redrawn in place: the part of a visualizer that draws.

    A subclass calls ``super().__init__(figsize=..., ...)`` (which makes ``self.fig`` and
    ``self.axes`` with ``plt.subplots``, or with ``make_axes(fig)``, under the course's style,
    ``style`` overriding it), creates its artists, and calls :meth:`finish` with the ones updates
    move. ``draw(result)`` moves them (and writes any caption widget the picture owns); the
    skeleton refreshes.
    """

    def __init__(
        self,
        *,
        figsize,
        nrows: int = 1,
        ncols: int = 1,
        style: Mapping | None = None,
        make_axes: Callable | None = None,
        **subplots: Any,
    ):
        with matplotlib.rc_context({**course_style(), **(style or {})}):
            if make_axes is None:
                self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize, **subplots)
            else:  # a layout of its own: make_axes(fig) adds the axes to the new figure
                self.fig = plt.figure(figsize=figsize, **subplots)
                self.axes = make_axes(self.fig)
        self.live: LiveFigure | None = None

    def finish(self, animated: Sequence = (), *, pad: float | None = None, tight: bool = True) -> None:
        """Lay the figure out (``tight``: with ``tight_layout``) and hand it to a
        :class:`LiveFigure` that redraws only ``animated``."""
        if tight:
            self.fig.tight_layout(**({} if pad is None else {"pad": pad}))
        self.live = LiveFigure(self.fig, animated=animated)

    @property
    def widget(self) -> widgets.Image:
        """The image widget the figure is shown in."""
        return self.live.widget

    def draw(self, result) -> None:  # pragma: no cover - every picture defines its own
        raise NotImplementedError

    def show(self, result) -> None:
        """Draw one result of the compute step and send the new picture to the browser."""
        self.draw(result)
        self.live.refresh()


def live_widget(
    controls: Mapping[str, widgets.ValueWidget],
    compute: Callable[..., Any],
    picture: Picture,
    layout: Sequence[widgets.Widget] | None = None,
) -> widgets.VBox:
    """The visualizer: ``picture.show(compute(**values))`` now and on every change of a control.

    ``controls`` maps each keyword of ``compute`` to the control that sets it; ``layout`` lists the
    returned ``VBox``'s children (default: the controls, then the picture).
    """

    def update(_change=None) -> None:
        picture.show(compute(**{name: control.value for name, control in controls.items()}))

    for control in controls.values():
        control.observe(update, names="value")
    update()
    return widgets.VBox(list(layout) if layout is not None else [*controls.values(), picture.widget])


def note(text: str) -> widgets.HTML:
    """A highlighted note shown instead of a picture (say, when the student's function is not
    written)."""
    return widgets.HTML(f"<p style='padding:6px;border-left:4px solid {PALETTE[1]}'>{text}</p>")


def note_text(ax, fontsize: float = 9):
    """An empty, highlighted text in the middle of ``ax``, for what the student's code cannot draw
    yet: animate it, then ``set_text`` and ``set_visible`` it in ``draw``."""
    return ax.text(
        0.5,
        0.5,
        "",
        transform=ax.transAxes,
        ha="center",
        va="center",
        wrap=True,
        fontsize=fontsize,
        bbox={"boxstyle": "round", "fc": "#fff8e0", "ec": PALETTE[1]},
    )
