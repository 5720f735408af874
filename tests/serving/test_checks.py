"""seqapps.serving.checks: check_export on good and broken exports."""

import shutil

import tensorflow as tf
from small_exports import edit_saved_model, py_function_saved_model

from seqapps import serving


def test_good_export_passes(root):
    report = serving.check_export(root / "words")  # a model folder means its latest version
    assert report.ok, report.format()
    assert report.path == root / "words" / "1"
    assert report.text_ops and report.text_ops <= serving.serving_op_sets().text
    assert report.warmup_records == 1 and report.warmup_replayed
    assert report.warmup_outputs[0]["known_words"].tolist() == [1, 2]
    assert "OK: ready for TF Serving" in report.format()
    pairs = serving.check_export(root / "pairs" / "1")
    assert pairs.ok and any("no assets.extra/tf_serving_warmup_requests" in w for w in pairs.warnings)


def test_py_function_is_rejected_in_library_functions(tmp_path):
    py_function_saved_model(tmp_path / "pyfunc" / "1")
    report = serving.check_export(tmp_path / "pyfunc")
    assert not report.ok
    [problem] = [p for p in report.problems if "EagerPyFunc" in p]
    assert "tf.py_function cannot run in TF Serving" in problem
    assert "function __inference" in problem  # found inside the function library, not the top graph
    assert "FAILED" in report.format()


def test_unknown_op_is_rejected(words_copy):
    def rename_an_op(saved_model):
        for function in saved_model.meta_graphs[0].graph_def.library.function:
            for node in function.node_def:
                if node.op == "StringLower":
                    node.op = "MyCustomStringLower"
                    return

    edit_saved_model(words_copy, rename_an_op)
    report = serving.check_export(words_copy, load=False)
    assert any(
        "'MyCustomStringLower'" in p and "neither a core TensorFlow op nor a TensorFlow Text op" in p
        for p in report.problems
    ), report.problems


def test_layout_problems(root, tmp_path):
    not_a_version = tmp_path / "words" / "latest"
    shutil.copytree(root / "words" / "1", not_a_version)
    report = serving.check_export(not_a_version, load=False)
    assert any("is not an integer" in p for p in report.problems)

    (tmp_path / "words" / "2").mkdir()  # latest version, but empty
    (tmp_path / "words" / ".tmp-3-abcd").mkdir()
    report = serving.check_export(tmp_path / "words", load=False)
    assert report.path == tmp_path / "words" / "2"
    assert any("no saved_model.pb" in p for p in report.problems)

    report = serving.check_export(tmp_path / "missing")
    assert report.problems == [f"{tmp_path / 'missing'} does not exist"]


def test_leftover_temporary_folder_is_a_warning(words_copy):
    (words_copy.parent / ".tmp-2-abcd").mkdir()
    report = serving.check_export(words_copy, load=False)
    assert report.ok and any(".tmp-2-abcd" in w for w in report.warnings)


def test_missing_serving_default_and_unnamed_outputs(tmp_path):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def double(x):
        return x * 2

    tf.saved_model.save(tf.Module(), str(tmp_path / "m" / "1"), signatures={"double": double.get_concrete_function()})
    report = serving.check_export(tmp_path / "m" / "1", load=False)
    assert any("no 'serving_default' signature" in p for p in report.problems)
    assert any("'output_0' has an automatic name" in w for w in report.warnings)


def test_wrong_tag_set_is_rejected(words_copy):
    def retag(saved_model):
        del saved_model.meta_graphs[0].meta_info_def.tags[:]
        saved_model.meta_graphs[0].meta_info_def.tags.append("train")

    edit_saved_model(words_copy, retag)
    report = serving.check_export(words_copy)
    assert len(report.problems) == 1 and "tag set {'serve'}" in report.problems[0]


def test_missing_variables_are_reported(words_copy):
    (words_copy / "variables" / "variables.data-00000-of-00001").unlink()
    report = serving.check_export(words_copy, load=False)
    assert "variables/variables.data-00000-of-00001 is missing" in report.problems


def test_signature_tensor_missing_from_the_graph(words_copy):
    def break_output(saved_model):
        saved_model.meta_graphs[0].signature_def["serving_default"].outputs["known_words"].name = "Nowhere:0"

    edit_saved_model(words_copy, break_output)
    report = serving.check_export(words_copy, load=False)
    assert any("'Nowhere:0', which is not in the graph" in p for p in report.problems), report.problems
