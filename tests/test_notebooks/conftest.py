import pytest

from tests.nbtools import SOURCE


def source_assignments() -> list[str]:
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


@pytest.fixture(params=source_assignments())
def assignment(request) -> str:
    return request.param
