import pytest

from tests.nbtools import SOURCE


def source_assignments() -> list[str]:
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)


@pytest.fixture(params=source_assignments())
def assignment(request) -> str:
    return request.param
