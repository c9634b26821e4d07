"""Random arrays and scalars into every entry point: each call returns a result or
raises a ``ValueError`` of one line that names the argument at fault, and the
interpreter never crashes.

One argument at a time is made strange while the others stay valid, so the message must
name that argument. The runs are short (CPU backend, a few steps), so every valid draw
is simulated too.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gpulif

# GPULIF_HYPOTHESIS_EXAMPLES=N draws N examples per test instead of 150.
CASES = settings(
    max_examples=int(os.environ.get("GPULIF_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What a user may pass where one number is expected: numbers of every kind and size,
# the non-finite ones, numpy scalars, and things that are not numbers at all.
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 0.0, -0.0, 1e-300, 1e300, -1, 1, 2**32, 2**64, 0.5, 3.0]),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**31), 2**31 - 1).map(np.int32),
)
not_numbers = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.lists(st.floats(), max_size=3),
    st.just(object()),
)
scalars = st.one_of(numbers, not_numbers)

# Arrays of every dtype family, shape (0-d, 1-d, 2-d, empty) and stride, with NaN, Inf
# and huge values among the floats.
dtypes = st.one_of(
    hnp.floating_dtypes(),
    hnp.integer_dtypes(),
    hnp.unsigned_integer_dtypes(),
    hnp.boolean_dtypes(),
    hnp.complex_number_dtypes(),
    st.just(np.dtype(object)),
    st.just(np.dtype("U3")),
)


@st.composite
def arrays(draw):
    dtype = draw(dtypes)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6))
    if dtype == np.dtype(object):
        elements = st.one_of(st.none(), st.floats(), st.text(max_size=2))
        array = draw(hnp.arrays(dtype, shape, elements=elements))
    else:
        array = draw(hnp.arrays(dtype, shape))
    if array.ndim >= 1 and array.shape[0] > 1 and draw(st.booleans()):
        array = array[::2]  # a strided view
    return array


def refused_or_ran(call, name, check=lambda result: None, or_name=None):
    """Calls ``call()``: a result passes ``check``; a refusal is a one-line ValueError
    that names ``name`` (or ``or_name``, where that argument is strange too)."""
    try:
        result = call()
    except ValueError as error:
        message = str(error)
        assert "\n" not in message, message
        names = {n.replace("_", sep) for n in (name, or_name) if n for sep in "_- "}
        assert any(n in message for n in names), f"{name!r} not named in {message!r}"
    else:
        check(result)


VALID = {
    "duration": 0.01,
    "dt": 0.001,
    "tau_rc": 0.02,
    "tau_ref": 0.002,
    "v_th": 1.0,
    "noise": 0.0,
    "noise_tau": 0.0,
    "seed": 1,
    "method": "euler",
    "backend": "cpu",
}


def counts_of(neurons):
    def check(result):
        assert result.counts.shape == (neurons,)
        assert result.counts.dtype == np.uint32
        assert np.all(np.isfinite(result.rates))

    return check


@CASES
@given(currents=arrays())
def test_curve_takes_any_array_of_currents(currents):
    def check(result):
        assert result.counts.shape == result.currents.shape
        assert np.array_equal(result.currents, np.asarray(currents, dtype=np.float64).reshape(-1))

    refused_or_ran(lambda: gpulif.curve(currents, **VALID), "currents", check)


@CASES
@given(
    name=st.sampled_from(["duration", "dt", "tau_rc", "tau_ref", "v_th", "noise", "noise_tau", "seed", "method", "backend"]),
    value=scalars,
)
def test_curve_takes_any_scalar(name, value):
    kwargs = dict(VALID, **{name: value})
    refused_or_ran(lambda: gpulif.curve([0.5, 1.5, 4.0], **kwargs), name, counts_of(3))


@CASES
@given(name=st.sampled_from(["tau_rc", "tau_ref", "v_th", "stimulus"]), value=arrays())
def test_curve_takes_any_array_of_parameters(name, value):
    kwargs = dict(VALID, **{name: value})
    refused_or_ran(lambda: gpulif.curve([0.5, 1.5, 4.0], **kwargs), name, counts_of(3))


TRACE_CURRENTS = [1.1, 3.0]


@CASES
@given(
    name=st.sampled_from(["duration", "dt", "tau_rc", "tau_ref", "v_th", "noise", "seed"]),
    value=scalars,
    currents=st.one_of(arrays(), st.just(TRACE_CURRENTS)),
)
def test_trace_takes_anything(name, value, currents):
    kwargs = dict(VALID, **{name: value})

    def check(result):
        assert result.voltages.shape[0] == len(result.currents)
        assert np.all(np.isfinite(result.voltages))

    # The library names one bad value of them `current` (the command line's `--current`).
    strange = None if currents is TRACE_CURRENTS else "current"
    refused_or_ran(lambda: gpulif.trace(currents, **kwargs), name, check, or_name=strange)


@CASES
@given(
    name=st.sampled_from(["neurons", "x_points", "seed", "duration", "dt", "tau_rc", "tau_ref", "v_th", "noise", "max_rates", "intercepts", "method"]),
    value=st.one_of(scalars, arrays()),
)
def test_ensemble_takes_anything(name, value):
    kwargs = {"neurons": 3, "x_points": 5, "duration": 0.01, "backend": "cpu", name: value}

    def check(result):
        assert result.rates.shape[1] == result.gains.shape[0]
        assert np.all(np.isfinite(result.rates))

    # A large valid ensemble (neurons × x_points up to 5×10⁷ curves) is slow, not wrong.
    if name in ("neurons", "x_points") and isinstance(value, (int, np.integer)) and 10**4 < int(value) < 2**64:
        return
    refused_or_ran(lambda: gpulif.ensemble(**kwargs), name, check)


@CASES
@given(
    steps=scalars,
    currents=st.one_of(arrays(), st.lists(st.floats(), max_size=5)),
)
def test_a_population_takes_anything(steps, currents):
    population = gpulif.Population([0.5, 1.5, 4.0], backend="cpu", tau_rc=0.02)
    if isinstance(steps, (int, np.integer)) and 1000 < int(steps) < 2**32:
        steps = 1000  # valid, only slower
    refused_or_ran(lambda: population.step(steps), "steps")
    refused_or_ran(lambda: population.record(min(steps, 20) if isinstance(steps, int) and steps >= 0 else steps), "steps")
    refused_or_ran(lambda: population.set_currents(currents), "currents")
    population.step(3)
    assert population.counts.shape == (3,)
    assert np.all(np.isfinite(population.voltages))


def test_the_refusals_the_issue_names():
    # Each of these raised OverflowError, blamed a NaN that was never given, or named the
    # wrong thing, or silently dropped an imaginary part.
    cases = [
        (lambda: gpulif.ensemble(-3), "neurons = -3 is out of range"),
        (lambda: gpulif.Population([1.5], backend="cpu").step(-1), "steps = -1 is out of range"),
        (lambda: gpulif.curve(None), "currents: expected numbers, got None"),
        (lambda: gpulif.Population([1.5, 2.0], backend="cpu").set_currents([1.0]),
         "currents: one value per neuron, 2, expected; got 1"),
        (lambda: gpulif.curve(np.array([1 + 2j, 3 + 0j])), "currents: expected real numbers, got complex values"),
        (lambda: gpulif.curve([1.5], seed=-1, backend="cpu"), "seed = -1 is out of range"),
        (lambda: gpulif.curve([1.5], duration=None), "duration: expected a real number, got None"),
        (lambda: gpulif.curve(np.array([1.5, None], dtype=object)), "currents: expected numbers, got object"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError) as error:
            call()
        assert str(error.value).startswith(message), str(error.value)


def test_python_numbers_held_as_objects_are_numbers():
    as_objects = np.array([0.5, 2, 3.5], dtype=object)
    expected = gpulif.curve([0.5, 2.0, 3.5], duration=0.1, backend="cpu").counts
    result = gpulif.curve(as_objects, duration=0.1, backend="cpu")
    assert np.array_equal(result.counts, expected) and result.currents.dtype == np.float64


def test_the_sweep_ends_at_i_max_and_is_the_command_lines():
    # gpulif.sweep is the library's sweep, which `gpulif curve --i-min 0.3 --i-max 0.9
    # --neurons 13` runs: the formula i_min + (i_max − i_min)·k/(n − 1), but the last
    # current i_max exactly, where the formula lands an ulp above it.
    currents = gpulif.sweep(0.3, 0.9, 13)
    k = np.arange(13, dtype=np.float64)
    formula = 0.3 + (0.9 - 0.3) * k / 12
    assert formula[-1] == 0.9000000000000001
    assert currents[-1] == 0.9
    assert np.array_equal(currents[:-1], formula[:-1])
    for bad, name in [((0.9, 0.3, 13), "i_min"), ((0.0, 1.0, 0), "neurons"), ((float("nan"), 1.0, 2), "i_min")]:
        with pytest.raises(ValueError, match=name):
            gpulif.sweep(*bad)
