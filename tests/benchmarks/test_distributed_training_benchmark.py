"""The scaling model and the section of benchmarks/distributed_training.py."""

import pytest

from benchmarks import distributed_training as benchmark


def test_a_ring_all_reduce_sends_two_n_minus_one_over_n_of_the_gradient_per_worker():
    parameters, gbits = 1_000_000, 10
    bytes_per_second = gbits * 1e9 / 8
    assert benchmark.ring_allreduce_seconds(parameters, 1, gbits) == 0
    for workers in (2, 8, 64):
        expected = 2 * (workers - 1) / workers * 4 * parameters / bytes_per_second
        expected += 2 * (workers - 1) * benchmark.MESSAGE_LATENCY
        assert benchmark.ring_allreduce_seconds(parameters, workers, gbits) == pytest.approx(expected)
    assert benchmark.ring_allreduce_seconds(parameters, 8, 25) < benchmark.ring_allreduce_seconds(parameters, 8, 10)


def test_efficiency_falls_with_workers_and_a_fixed_global_batch_falls_faster():
    step, parameters = 0.2, 5_000_000
    fixed_global = [benchmark.efficiency(step, parameters, workers, 10) for workers in (2, 8, 64)]
    per_worker = [benchmark.efficiency(step, parameters, workers, 10, per_worker_batch=True) for workers in (2, 8, 64)]
    assert 1 > fixed_global[0] > fixed_global[1] > fixed_global[2] > 0
    assert all(weak > strong for weak, strong in zip(per_worker, fixed_global))
    all_reduce = benchmark.ring_allreduce_seconds(parameters, 8, 10)
    assert fixed_global[1] == pytest.approx((step / 8) / (step / 8 + all_reduce))


def test_the_section_shows_every_row_and_the_model():
    row = {
        "recipe": "char_generation",
        "parameters": 2_000_000,
        "allreduce_bytes": 8_000_000,
        "ring_bytes_sent_per_worker": {"2": 8e6, "8": 14e6, "64": 15.75e6},
        "global_batch": 32,
        "steps": 50,
        "one_process_two_threads_seconds": 0.4,
        "two_workers_one_thread_seconds": 0.5,
        "measured_efficiency": 0.8,
        "model": {
            f"{workers} workers, {gbits} Gbit/s": {
                "allreduce_seconds": 0.01,
                "efficiency_global_batch": 0.5,
                "efficiency_batch_per_worker": 0.9,
            }
            for workers in benchmark.WORKERS
            for gbits in benchmark.GBITS
        },
    }
    text = benchmark.body([row], warmup=5, steps=20)
    assert "| char_generation | 2,000,000 | 8.0 | 14.0 / 15.8 | 32 x 50 | 0.400 | 0.500 | 80% |" in text
    assert text.count("| char_generation | 64 |") == len(benchmark.GBITS)
    assert "E = (T / N) / (T / N + T_ar)" in text
