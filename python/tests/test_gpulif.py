"""The Python package against the library's contracts: the tutorial's numbers, numpy
in and out, errors, noise, populations, threads and Ctrl-C."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import gpulif

# GPU tests run on any adapter, lavapipe included; GPULIF_REQUIRE_GPU=1 makes a missing
# one a failure rather than a skip (CI runs them on lavapipe).
HAVE_GPU = any(d["compute"] for d in gpulif.devices())
REQUIRE_GPU = os.environ.get("GPULIF_REQUIRE_GPU") == "1"
needs_gpu = pytest.mark.skipif(
    not HAVE_GPU and not REQUIRE_GPU, reason="no GPU adapter (install mesa-vulkan-drivers)"
)


@needs_gpu
def test_a_headless_machine_hears_nothing_from_mesa():
    # Mesa's device-select layer prints "XDG_RUNTIME_DIR is invalid or not set" for each
    # wgpu instance where there is no display session; importing gpulif switches it off.
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "NODEVICE_SELECT")}
    code = "import gpulif; gpulif.curve([1.5, 2.0], duration=0.1, backend='gpu'); gpulif.devices()"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "XDG_RUNTIME_DIR" not in run.stderr, run.stderr


def test_the_tutorials_sentences():
    # The tutorial's numbers: 29 spikes for 1.1 with tau_ref 0.2 over 20 s; and its five
    # currents with tau_rc 0.02.
    assert str(gpulif.trace([1.1], tau_ref=0.2, duration=20, backend="cpu")) == (
        "An input of 1.1 produces 29 spikes in 20 seconds (1.45 Hz)"
    )
    five = gpulif.trace(
        [1.0000001, 1.1, 10, 100, 0.8], tau_rc=0.02, tau_ref=0.2, duration=20, backend="reference"
    )
    assert list(five.counts) == [39, 82, 99, 100, 0]
    assert five.voltages.shape == (5, 20000)
    assert five.times[0] == pytest.approx(0.001) and five.times[-1] == pytest.approx(20.0)


def test_curve_returns_numpy_arrays_and_matches_the_analytic_rate():
    currents = gpulif.sweep(0, 10, 1001)
    result = gpulif.curve(currents, backend="cpu")
    assert result.counts.dtype == np.uint32 and result.counts.shape == (1001,)
    assert result.rates.dtype == np.float64
    np.testing.assert_array_equal(result.rates, result.counts / 10.0)
    # A contiguous float64 input is not copied.
    assert np.shares_memory(result.currents, currents)
    # The Euler neuron's counts are within one spike plus its step error of the
    # analytic rate × 10 s (the README's Precision section); here far inside 5 %.
    firing = result.analytic > 1
    assert np.all(np.abs(result.rates[firing] - result.analytic[firing]) < 0.05 * result.analytic[firing] + 0.2)
    assert result.backend == "cpu" and result.seed >= 0


def test_any_float_array_like_gives_the_same_counts():
    base = np.linspace(0.5, 5, 64)
    expected = gpulif.curve(base, duration=1, backend="cpu").counts
    wide = np.zeros(128)
    wide[::2] = base
    for currents in [list(base), base.astype(np.float32).astype(np.float64), wide[::2], tuple(base)]:
        np.testing.assert_array_equal(gpulif.curve(currents, duration=1, backend="cpu").counts, expected)
    # float32 input is widened exactly (the neuron sees the float32 value).
    f32 = base.astype(np.float32)
    assert gpulif.curve(f32, duration=1, backend="cpu").currents.dtype == np.float64


def test_per_neuron_parameters():
    currents = np.full(3, 2.0)
    result = gpulif.curve(currents, tau_rc=[0.02, 0.2, 1.0], duration=1, backend="cpu")
    assert result.counts[0] > result.counts[1] > result.counts[2]
    with pytest.raises(ValueError, match="tau_rc"):
        gpulif.curve(currents, tau_rc=[0.02, 0.2], duration=1)


def test_bad_input_raises_value_error_with_one_line():
    for kwargs, name in [
        ({"tau_rc": -1}, "tau_rc"),
        ({"duration": 0}, "duration"),
        ({"method": "rk4"}, "method"),
        ({"backend": "tpu"}, "backend"),
        ({"noise": -0.5}, "noise"),
        ({"noise_tau": -1, "noise": 0.1}, "noise-tau"),
        ({"method": "exact", "noise": 0.1}, "method"),
        ({"stimulus": [0.1, 0.2], "duration": 1}, "stimulus"),
    ]:
        with pytest.raises(ValueError) as error:
            gpulif.curve([1.5], **kwargs)
        message = str(error.value)
        assert name in message and "\n" not in message, message
    with pytest.raises(ValueError, match="currents"):
        gpulif.curve([[1.0, 2.0]])
    with pytest.raises(ValueError, match="current"):
        gpulif.curve([float("nan")])
    assert issubclass(gpulif.GpuError, RuntimeError)


def test_noise_is_reproducible_and_reported():
    currents = gpulif.sweep(0, 3, 500)
    a = gpulif.curve(currents, duration=1, tau_rc=0.02, noise=0.4, seed=7, backend="cpu")
    b = gpulif.curve(currents, duration=1, tau_rc=0.02, noise=0.4, seed=7, backend="cpu")
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.seed == 7
    drawn = gpulif.curve(currents, duration=1, tau_rc=0.02, noise=0.4, backend="cpu")
    again = gpulif.curve(currents, duration=1, tau_rc=0.02, noise=0.4, seed=drawn.seed, backend="cpu")
    np.testing.assert_array_equal(drawn.counts, again.counts)
    # Below threshold the noise makes neurons fire; the Siegert rate says so too.
    assert a.counts[currents < 0.9].sum() > 0
    assert a.analytic[currents < 0.9].sum() > 0


@needs_gpu
def test_the_gpu_gives_the_cpu_counts():
    currents = gpulif.sweep(0, 10, 20000)
    for kwargs in [{}, {"noise": 0.5, "seed": 3}, {"noise": 0.3, "noise_tau": 0.005, "seed": 4}]:
        gpu = gpulif.curve(currents, duration=1, backend="gpu", **kwargs)
        cpu = gpulif.curve(currents, duration=1, backend="cpu", **kwargs)
        assert gpu.backend == "gpu"
        np.testing.assert_array_equal(gpu.counts, cpu.counts)


def test_a_stimulus_is_added_to_every_current():
    steps = 2000
    stimulus = 0.5 * np.sin(np.arange(steps) * 0.01)
    result = gpulif.curve([1.2, 1.2], duration=2, tau_rc=0.02, stimulus=stimulus, backend="cpu")
    flat = gpulif.curve([1.2], duration=2, tau_rc=0.02, backend="cpu")
    assert result.counts[0] == result.counts[1] != flat.counts[0]


def test_population_life_cycle():
    pop = gpulif.Population(np.array([0.5, 1.5, 3.0]), backend="cpu")
    assert len(pop) == 3 and pop.backend == "cpu"
    pop.step(1000)
    counts = pop.counts
    assert counts.dtype == np.uint32 and counts[0] == 0 and counts[2] > counts[1] > 0
    pop.set_currents([3.0, 3.0, 3.0])
    pop.step(1000)
    assert np.all(pop.counts > counts)
    pop.clear_counts()
    assert pop.counts.sum() == 0
    pop.reset()
    pop.step(1000)
    np.testing.assert_array_equal(pop.counts, gpulif.curve([3.0] * 3, duration=1, backend="cpu").counts)
    voltages, spikes = pop.record(50)
    assert voltages.shape == (50, 3) and spikes.shape == (50, 3)
    assert spikes.sum() == pop.counts.sum() - 3 * gpulif.curve([3.0], duration=1, backend="cpu").counts[0]


def test_poisson_input_is_reported_checked_and_shared_by_every_call():
    currents = gpulif.sweep(0, 2, 300)
    result = gpulif.curve(
        currents, duration=1, tau_rc=0.02, poisson=(2000, 0.05), seed=4, backend="cpu"
    )
    assert result.poisson == (2000.0, 0.05)
    # Events raise the rate below threshold, and the diffusion approximation says so.
    assert result.counts[currents < 0.5].sum() > 0
    assert result.analytic[currents < 0.5].min() > 0
    np.testing.assert_array_equal(
        gpulif.analytic_rate(currents, tau_rc=0.02, poisson=(2000, 0.05)), result.analytic
    )
    # Rate 0: no input.
    none = gpulif.curve(currents, duration=1, tau_rc=0.02, seed=4, backend="cpu")
    zero = gpulif.curve(currents, duration=1, tau_rc=0.02, poisson=(0, 0.05), seed=4, backend="cpu")
    np.testing.assert_array_equal(none.counts, zero.counts)
    for bad, part in [((-1, 0.1), "rate -1"), ((float("nan"), 0.1), "rate NaN"),
                      ((100,), "two numbers"), ((100, "x"), "poisson")]:
        with pytest.raises(ValueError, match=part):
            gpulif.curve(currents, poisson=bad, backend="cpu")
    with pytest.raises(ValueError, match="euler"):
        gpulif.curve(currents, poisson=(100, 0.1), method="exact", backend="cpu")
    trace = gpulif.trace([1.5], duration=0.5, tau_rc=0.02, poisson=(2000, 0.05), seed=4,
                         backend="cpu")
    assert len(trace.spikes[0]) == gpulif.curve(
        [1.5], duration=0.5, tau_rc=0.02, poisson=(2000, 0.05), seed=4, backend="cpu"
    ).counts[0]
    ensemble = gpulif.ensemble(neurons=10, x_points=5, method="euler", poisson=(500, 0.02),
                               backend="cpu")
    assert ensemble.rates.shape == (5, 10)


def test_constant_currents_are_counted_from_periods_with_the_stepped_counts():
    currents = gpulif.sweep(0, 20, 3000)
    counted = gpulif.curve(currents, duration=5, tau_rc=0.02, backend="cpu")
    stepped = gpulif.curve(currents, duration=5, tau_rc=0.02, backend="cpu", stepwise=True)
    assert counted.counted and not stepped.counted
    np.testing.assert_array_equal(counted.counts, stepped.counts)
    assert np.isnan(counted.neuron_steps_per_second)
    assert stepped.neuron_steps_per_second > 0
    # Noise: stepped.
    noisy = gpulif.curve(currents, duration=1, noise=0.3, seed=1, backend="cpu")
    assert not noisy.counted
    # The ensemble likewise, both methods.
    for method in ["exact", "euler"]:
        counted = gpulif.ensemble(40, x_points=11, method=method, duration=3, backend="cpu")
        stepped = gpulif.ensemble(40, x_points=11, method=method, duration=3, backend="cpu",
                                  stepwise=True)
        assert counted.counted and not stepped.counted
        np.testing.assert_array_equal(counted.rates, stepped.rates)


def test_a_population_counted_by_period_reads_as_one_stepped():
    # A Population driven by constant currents alone advances by period; its counts,
    # voltages and spikes after each run, currents changed between runs, are those of
    # the step-by-step record of the same runs.
    currents = gpulif.sweep(0, 8, 500)
    pop = gpulif.Population(currents, tau_rc=0.02, tau_ref=0.004, backend="cpu")
    stepped = gpulif.Population(currents, tau_rc=0.02, tau_ref=0.004, backend="cpu",
                                stepwise=True)
    assert pop.counted and not stepped.counted
    for steps, new in [(1234, None), (777, currents[::-1].copy()), (3000, currents / 10)]:
        if new is not None:
            pop.set_currents(new)
            stepped.set_currents(new)
        pop.step(steps)
        voltages, spikes = stepped.record(steps)
        np.testing.assert_array_equal(pop.voltages, voltages[-1])
        np.testing.assert_array_equal(pop.spiked, spikes[-1])
    np.testing.assert_array_equal(pop.counts, stepped.counts)
    assert pop.counts.max() > 100


def test_recorded_spikes_sum_to_the_counts_with_noise():
    pop = gpulif.Population(gpulif.sweep(0.5, 3, 40), tau_rc=0.02, noise=0.3, seed=9, backend="cpu")
    _, spikes = pop.record(2000)
    expected = gpulif.curve(gpulif.sweep(0.5, 3, 40), duration=2, tau_rc=0.02, noise=0.3, seed=9, backend="cpu")
    np.testing.assert_array_equal(spikes.sum(axis=0), expected.counts)


def test_two_threads_run_two_populations_at_once():
    results = {}

    def run(name, current):
        pop = gpulif.Population(np.full(20000, current), backend="cpu")
        pop.step(2000)
        results[name] = pop.counts.copy()

    threads = [threading.Thread(target=run, args=(k, 1.0 + k)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        np.testing.assert_array_equal(
            results[k], gpulif.curve([1.0 + k], duration=2, backend="cpu").counts[0]
        )


def test_the_gil_is_released_while_simulating():
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.perf_counter()
    gpulif.curve(gpulif.sweep(0, 10, 1_000_000), duration=10, backend="cpu", stepwise=True)
    elapsed = time.perf_counter() - started
    done.set()
    ticker.join()
    # The other thread kept running, about one tick per 5 ms of the simulation (a held
    # GIL would allow one or two); a tenth of that leaves room for a loaded machine.
    assert elapsed > 0.1, elapsed
    assert len(ticks) > 0.1 * elapsed / 0.005, (len(ticks), elapsed)


def test_ctrl_c_stops_a_long_run_quickly():
    # Python's own Ctrl-C handler, whatever this process inherited: a shell starts a
    # background job with SIGINT ignored, and Python then keeps it ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
        started = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            # About a minute of stepping on two cores (counted from the neurons' periods
            # it would take a tenth of a second).
            gpulif.curve(gpulif.sweep(0, 10, 1_000_000), duration=100, backend="cpu", stepwise=True)
        stopped = time.perf_counter() - started
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stopped < 0.3 + 0.5, stopped


def test_progress_is_reported():
    seen = []
    gpulif.curve(
        gpulif.sweep(0, 10, 200_000), duration=5, backend="cpu",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen and seen[-1][0] == seen[-1][1] == 200_000 * 5000


def test_ensemble_shapes_and_nengo_parameters():
    e = gpulif.ensemble(30, x_points=21, backend="cpu")
    assert e.rates.shape == (21, 30) and e.x.shape == (21,)
    assert set(np.unique(e.encoders)) <= {-1.0, 1.0}
    # At its preferred end each neuron fires near its maximum rate (exact method).
    ends = np.where(e.encoders > 0, e.rates[-1], e.rates[0])
    assert np.all(np.abs(ends - e.max_rates) <= 2.0 + 0.01 * e.max_rates)


def test_devices_and_bench():
    for d in gpulif.devices():
        assert {"name", "backend", "device_type", "driver", "compute", "auto", "gpu"} <= set(d)
    rows = gpulif.bench(10_000, 100, backends=["cpu", "reference"], runs=2)
    assert [r["backend"] for r in rows] == ["cpu", "reference"]
    assert all(r["neuron_steps_per_second"] > 0 for r in rows)
    # Constant currents: both also counted from each neuron's period, with the stepped
    # counts; noise: stepped only.
    assert all(r["counted"]["identical"] and r["counted"]["seconds"] > 0 for r in rows)
    noisy = gpulif.bench(10_000, 100, backends=["cpu"], runs=1, noise=0.3)
    assert noisy[0]["counted"] is None


def test_help_reads_well():
    doc = gpulif.curve.__doc__
    assert "Parameters" in doc and "Returns" in doc and "backend" in doc
    assert gpulif.Population.__doc__ and gpulif.trace.__doc__


def test_plots_draw():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = gpulif.curve(gpulif.sweep(0, 10, 200), duration=1, backend="cpu")
    ax = result.plot()
    assert ax.get_xlabel() == "Input current"
    gpulif.trace([1.1], duration=1, backend="cpu").plot()
    gpulif.ensemble(10, x_points=11, backend="cpu").plot()


def test_a_run_without_noise_or_poisson_input_has_seed_0():
    # Nothing random drives it, so its seed is not drawn: the same call, the same result.
    currents = gpulif.sweep(0, 3, 100)
    assert gpulif.curve(currents, duration=0.1, backend="cpu").seed == 0
    assert gpulif.curve(currents, duration=0.1, noise=0.2, seed=9, backend="cpu").seed == 9
