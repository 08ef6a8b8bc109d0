"""Interactive visualizers, one module each.

Every module pairs a pure ``compute_*`` function (arrays in, a small dataclass out, tested headless)
with a ``show_*`` function that builds only its controls and hands them, its ``compute_*`` call and
its :class:`~course.widgets.live_widget.Picture` to :func:`~course.widgets.live_widget.live_widget`,
the skeleton that draws the figure once and redraws its artists in place on every change (notebooks
05 and 06's visualizers do not use the skeleton yet).
"""
