"""Fuzzing (issue 16 item 6): the same examples on every run, so a failure in CI can be run again.

`derandomize` draws the examples from a seed derived from each test's name; FUZZ_EXAMPLES
raises or lowers how many each property tries (default: a few minutes for the whole folder).
"""
import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "fuzz", derandomize=True, deadline=None, database=None, print_blob=True,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    # no shrinking: a page or a demo load per step made it take many minutes; the failing input is
    # printed as found, and the message of the refusal (or the traceback) says what broke
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
)
FUZZ = settings.get_profile("fuzz")
