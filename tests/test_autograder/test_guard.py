"""The grader's side of the kernel guard (autograder/execute.py): a test counts only if the guard, armed with
the job's secret key, answered before and after it with a valid signature and its own run changed nothing.
The attacks themselves run in real kernels in the corpus (``replace_guard``, ``code_swap``, ``silence_shell``)."""

import hashlib
import hmac

import pytest
from nbgrader.utils import determine_grade

from autograder import integrity
from autograder.execute import GuardAnswer, GuardSilent, SandboxExecute
from tests.test_autograder.notebooks import locked_test, notebook, stream


def signed(key: bytes, nonce: str, restored: list[str]) -> str:
    """What the real guard answers (guard.py ``reset``): the HMAC, then what it restored, one per line."""
    mac = hmac.new(key, "\n".join([nonce, *restored]).encode(), hashlib.sha256).hexdigest()
    return "\n".join([mac, *restored])


class FakeKernel(SandboxExecute):
    """``_request`` answered by ``answer(expression)`` instead of a kernel (an exception is raised)."""

    def __init__(self, answer):
        super().__init__()
        self.answer = answer
        self.expressions = []

    def _request(self, expression):
        self.expressions.append(expression)
        answer = self.answer(expression)
        if isinstance(answer, Exception):
            raise answer
        return answer


def nonce_of(expression: str) -> str:
    return expression.split(".reset(")[1].strip("')")


def test_the_guard_is_armed_with_a_fresh_key_per_job():
    first, second = FakeKernel(lambda e: "armed"), FakeKernel(lambda e: "armed")
    first._arm_guard()
    second._arm_guard()
    assert len(first._key) == 32 and first._key != second._key
    assert first.expressions == [f"__import__('sys').modules['_autograder_guard'].arm({first._key.hex()!r})"]


def test_a_signed_answer_verifies_and_says_what_was_restored():
    kernel = FakeKernel(lambda e: signed(kernel._key, nonce_of(e), ["numpy.allclose"]))
    kernel._arm_guard()
    assert kernel._reset_kernel() == GuardAnswer(True, ["numpy.allclose"])


@pytest.mark.parametrize(
    "answer, reason",
    [
        (lambda key, nonce: "", "signature"),  # a stand-in that restores nothing
        (lambda key, nonce: signed(b"x" * 32, nonce, []), "signature"),  # signed with a key it made up
        (lambda key, nonce: signed(key, "an old nonce", []), "signature"),  # a replayed answer
        (lambda key, nonce: "\nnumpy.allclose", "signature"),  # never armed
        (lambda key, nonce: signed(key, nonce, ["numpy.allclose"]).rsplit("\n", 1)[0], "signature"),  # edited list
    ],
)
def test_an_answer_that_does_not_verify_is_untrusted(answer, reason):
    kernel = FakeKernel(lambda e: answer(kernel._key, nonce_of(e)))
    kernel._arm_guard()
    result = kernel._reset_kernel()
    assert not result.verified and reason in result.reason


def test_a_guard_that_is_gone_or_silenced_is_untrusted():
    kernel = FakeKernel(lambda e: GuardSilent("KeyError calling it"))
    kernel._arm_guard()
    assert kernel._reset_kernel() == GuardAnswer(False, [], "KeyError calling it")


def test_every_reset_has_a_fresh_nonce():
    kernel = FakeKernel(lambda e: signed(kernel._key, nonce_of(e), []))
    kernel._arm_guard()
    kernel._reset_kernel()
    kernel._reset_kernel()
    assert nonce_of(kernel.expressions[1]) != nonce_of(kernel.expressions[2])


def judged(before: GuardAnswer, after: GuardAnswer):
    cell = locked_test("test_f", "check(f())", points=2)
    cell.outputs = [stream("✓ f works\n")]
    SandboxExecute._judge(cell, before, after)
    return cell


CLEAN = GuardAnswer(True, [])


def test_a_clean_test_keeps_its_points():
    assert determine_grade(judged(CLEAN, CLEAN))[0] == 2


def test_what_was_restored_before_a_test_is_shown_and_the_test_counts():
    """The student's earlier cells tampered: the guard undid it before the test ran, so the test is real."""
    cell = judged(GuardAnswer(True, ["numpy.allclose"]), CLEAN)
    assert determine_grade(cell)[0] == 2
    assert [f.flag for f in integrity.runtime_flags(notebook(cell), 1000)] == ["tampered_checks"]


@pytest.mark.parametrize(
    "before, after, flags",
    [
        (GuardAnswer(False, [], "no answer"), CLEAN, ["kernel_tampering"]),
        (CLEAN, GuardAnswer(False, [], "the signature does not match"), ["kernel_tampering"]),
        (
            CLEAN,
            GuardAnswer(True, ["course.checks.check_close.__code__"]),
            ["tampered_checks", "tampered_during_test"],
        ),
    ],
)
def test_an_untrusted_test_scores_zero(before, after, flags):
    cell = judged(before, after)
    assert determine_grade(cell)[0] == 0
    assert sorted(f.flag for f in integrity.runtime_flags(notebook(cell), 1000)) == flags
