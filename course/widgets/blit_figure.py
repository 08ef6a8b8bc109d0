"""``BlitFigure``: the name notebooks 04 and 05 first used for a :class:`~course.widgets.live_figure.LiveFigure`
that redraws only the artists a slider moves. ``LiveFigure(fig, animated=...)`` now does exactly that (and
re-renders the still background by itself when axis limits change), so this is a thin alias kept for the
widgets that still import it.
"""

from __future__ import annotations

from course.widgets.live_figure import LiveFigure

__all__ = ["BlitFigure"]


class BlitFigure(LiveFigure):
    """``BlitFigure(fig, moving)`` is ``LiveFigure(fig, animated=moving)``."""

    def __init__(self, fig, moving):
        super().__init__(fig, animated=moving)
