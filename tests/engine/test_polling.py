import random

import pytest

from veo_tools.engine.polling import PollingPolicy


def poll_times(policy: PollingPolicy, until: float) -> list[float]:
    """When the policy polls a task that completes at ``until``: the times of every request."""
    t, times = 0.0, []
    while True:
        t += policy.next_delay(t)
        times.append(t)
        if t >= until:
            return times


def test_no_status_request_before_the_model_could_be_done() -> None:
    policy = PollingPolicy(window=(60, 90))
    assert policy.next_delay(0) == pytest.approx(67)


def test_polls_every_step_inside_the_expected_window() -> None:
    policy = PollingPolicy(window=(60, 90))
    assert poll_times(policy, 80) == pytest.approx([67, 74, 81])


def test_backs_off_after_the_window_but_never_beyond_the_cap() -> None:
    policy = PollingPolicy(window=(60, 90))
    delays = [policy.next_delay(t) for t in (100, 130, 200, 1000)]
    assert delays == sorted(delays)
    assert max(delays) == pytest.approx(30)


def test_never_a_busy_loop() -> None:
    policy = PollingPolicy(window=(30, 60))
    assert all(policy.next_delay(t / 10) >= 2.0 for t in range(0, 6000))


def test_every_figure_scales_with_time_scale() -> None:
    real, fast = PollingPolicy(window=(60, 90)), PollingPolicy(window=(60, 90), time_scale=0.01)
    for t in (0, 50, 70, 95, 300):
        assert fast.next_delay(t * 0.01) == pytest.approx(real.next_delay(t) * 0.01)


@pytest.mark.parametrize("window", [(60, 90), (300, 360), (30, 60)])
def test_half_the_requests_of_a_fixed_8s_poller_at_no_worse_lag(
    window: tuple[float, float],
) -> None:
    rng = random.Random(7)
    policy = PollingPolicy(window=window)
    ours_n = ours_lag = fixed_n = fixed_lag = 0.0
    for _ in range(2000):
        done = rng.uniform(*window)
        times = poll_times(policy, done)
        ours_n += len(times)
        ours_lag += times[-1] - done
        fixed = 8.0 * -(-done // 8)
        fixed_n += fixed / 8
        fixed_lag += fixed - done
    assert ours_n <= 0.5 * fixed_n
    assert ours_lag <= fixed_lag


def test_progress_estimate_stays_below_100_until_done() -> None:
    policy = PollingPolicy(window=(60, 90))
    assert policy.estimate_progress(0) == 0
    assert 0 < policy.estimate_progress(40) < policy.estimate_progress(80) <= 95
    assert policy.estimate_progress(10_000) == 95
    assert policy.eta(0) == pytest.approx(75) and policy.eta(500) == 0
