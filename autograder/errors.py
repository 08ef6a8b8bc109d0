"""The grader's one exception type (a leaf module, so every other module can raise it without a cycle)."""


class GradingError(ValueError):
    """A bad argument or a broken course set-up: the message says what to do."""
