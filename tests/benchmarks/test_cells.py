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
            results["runs"][cells.run_key(kind, size, masked)] = {
                "kind": kind,
                "size": size,
                "masked": masked,
                **record,
            }
    record = cells.measure(cells.FUSED_KIND, size, False, warmup=1, repeats=2)
    assert all(value > 0 for value in record.values()), record
    results["runs"][cells.run_key(cells.FUSED_KIND, size, False)] = {
        "kind": cells.FUSED_KIND,
        "size": size,
        "masked": False,
        **record,
    }
    results["step_matmul_gflops"] = [
        (size, gates, cells.step_matmul_gflops(size, gates, repeats=2)) for gates in (4, 1)
    ]  # 1 gate: the product is narrower than the input
    assert all(gflops > 0 for _, _, gflops in results["step_matmul_gflops"])
    text = cells.body(results)
    assert text.count("| lstm / keras_lstm |") == 2 and text.count("| tf_block_lstm / keras_lstm |") == 1
    assert "GFLOP/s" in text and "| batch 4, steps 6, features 3, units 5 | 4 |" in text


def test_the_fused_reference_computes_an_lstm():
    """`tf_block_lstm` with Keras LSTM's weights gives Keras LSTM's output (both use the gate order i, f, c, o)."""
    import keras
    import numpy as np

    inputs = np.random.default_rng(0).normal(size=(3, 7, 4)).astype("float32")
    reference = keras.layers.LSTM(5, bias_initializer="random_normal")
    expected = np.asarray(reference(inputs))
    kernel, recurrent_kernel, bias = reference.get_weights()
    fused = cells.fused_block_lstm(5)
    fused(inputs)
    fused.set_weights([np.concatenate([kernel, recurrent_kernel]), bias])
    np.testing.assert_allclose(np.asarray(fused(inputs)), expected, rtol=1e-5, atol=1e-5)


def test_flop_count():
    # LSTM: 4 gates, each a (features + units) x units product per step, 2 FLOPs per multiply-add.
    assert cells.forward_flops("lstm", steps=10, features=3, units=5) == 2 * 4 * 5 * 8 * 10
    assert cells.forward_flops("elman", steps=1, features=1, units=1) == 4
