import pytest

from tests.nbtools import SOURCE


def source_assignments() -> list[str]:
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)


# One xdist group per assignment (`make test` runs `--dist loadgroup`): all of an assignment's tests share
# one worker, so its module-scoped nbgrader batch is graded once, not once per worker.
@pytest.fixture(params=[pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in source_assignments()])
def assignment(request) -> str:
    return request.param
