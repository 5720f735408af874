"""seqapps.serving.ops: the ops TF Serving ships, from the op registries."""

from seqapps import serving


def test_op_sets_come_from_the_registries():
    core, text, accelerator_only = serving.serving_op_sets()
    assert len(core) > 1000 and {"MatMul", "StringSplitV2", "LookupTableFindV2"} <= core
    assert {"NormalizeUTF8", "WhitespaceTokenizeWithOffsets", "WordpieceTokenizeWithOffsets"} <= text
    assert not core & text
    # Registered by core TensorFlow, rejected explicitly by check_export.
    assert set(serving.PYTHON_CALLBACK_OPS) <= core
    assert accelerator_only["CudnnRNNV3"] == ["GPU"] and "MatMul" not in accelerator_only
    assert serving.serving_op_sets() is serving.serving_op_sets()
