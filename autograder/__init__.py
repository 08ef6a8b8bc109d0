"""The course's grading driver: real nbgrader, one confined kernel per submission, many workers, one writer.

``python -m autograder grade`` (or :func:`autograder.api.grade_class`) grades a folder of submissions into
``graded/``; ``python -m autograder feedback`` releases the feedback through nbgrader's exchange.
"""

__version__ = "0.1.0"
__all__ = ["grade_class", "GradingError"]


from .errors import GradingError


def __getattr__(name):  # lazy: importing the package must not import nbgrader
    if name == "grade_class":
        from .api import grade_class

        return grade_class
    raise AttributeError(name)
