"""benchmarks/cells.py on a tiny size: every number it reports is measured and positive."""

from benchmarks import cells


def test_measure_and_report_a_tiny_size(monkeypatch):
    size = (4, 6, 3, 5)
    results = {"warmup": 1, "repeats": 2, "peak_gflops": cells.matmul_peak_gflops(size=64, repeats=2), "runs": {}}
    assert results["peak_gflops"] > 0
    monkeypatch.setattr(cells, "SIZES", (size,))
    for kind in ("lstm", "keras_lstm"):
        for masked in (False, True):
            record = cells.measure(kind, size, masked, warmup=1, repeats=2)
            assert all(value > 0 for value in record.values()), record
            results["runs"][cells.run_key(kind, size, masked)] = {"kind": kind, "size": size, "masked": masked,
                                                                  **record}
    text = cells.body(results)
    assert text.count("| lstm / keras_lstm |") == 2
    assert "GFLOP/s" in text


def test_flop_count():
    # LSTM: 4 gates, each a (features + units) x units product per step, 2 FLOPs per multiply-add.
    assert cells.forward_flops("lstm", steps=10, features=3, units=5) == 2 * 4 * 5 * 8 * 10
    assert cells.forward_flops("elman", steps=1, features=1, units=1) == 4
