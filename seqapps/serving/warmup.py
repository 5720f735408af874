"""Warmup records: read `assets.extra/tf_serving_warmup_requests` and replay
its requests against the SavedModel the way TF Serving does when it loads a version."""

from pathlib import Path

from seqapps.serving.reading import SERVE_TAG, ServingError, first_lines
from seqapps.serving_layout import DEFAULT_SIGNATURE, WARMUP_RELATIVE_PATH


def read_warmup_records(version_dir):
    """The `PredictionLog`s of `version_dir`'s warmup file ([] when there is none).

    Raises:
        ServingError: the file is not a TFRecord file of PredictionLog records.
    """
    import tensorflow as tf
    from google.protobuf import message
    from tensorflow_serving.apis import prediction_log_pb2

    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    if not path.is_file():
        return []
    records = []
    try:
        for index, raw in enumerate(tf.data.TFRecordDataset(str(path))):
            try:
                log = prediction_log_pb2.PredictionLog.FromString(raw.numpy())
            except message.DecodeError as error:
                raise ServingError(
                    f"{WARMUP_RELATIVE_PATH}: record {index} is not a PredictionLog ({error})"
                ) from error
            if log.WhichOneof("log_type") is None:
                raise ServingError(f"{WARMUP_RELATIVE_PATH}: record {index} is not a PredictionLog (no request in it)")
            records.append(log)
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as error:
        raise ServingError(
            f"{WARMUP_RELATIVE_PATH} is not a valid TFRecord file ({first_lines(error.message, 1)})"
        ) from error
    return records


def replay_warmup(version_dir, records):
    """Loads `version_dir` like TF Serving and runs each predict warmup request.

    The SavedModel is loaded into a TF1 session (as `SavedModelBundle` does:
    restore variables, run the init op, e.g. lookup-table initializers) and
    each request's inputs are fed to its signature's input tensors, fetching
    the signature's (or the request's `output_filter`) output tensors, as TF
    Serving's Predict does. Returns one {output: numpy array} per predict
    record (None for other request kinds).
    """
    import tensorflow as tf
    import tensorflow_text  # noqa: F401 - registers TF Text kernels, as TF Serving links them

    logger = tf.get_logger()
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        level = logger.level
        logger.setLevel("ERROR")  # tf.compat.v1.saved_model.load's deprecation notice
        try:
            meta_graph = tf.compat.v1.saved_model.load(session, [SERVE_TAG], str(version_dir))
        finally:
            logger.setLevel(level)
        outputs = []
        for log in records:
            if log.WhichOneof("log_type") != "predict_log":
                outputs.append(None)
                continue
            request = log.predict_log.request
            signature = meta_graph.signature_def[request.model_spec.signature_name or DEFAULT_SIGNATURE]
            feed = {signature.inputs[key].name: tf.make_ndarray(value) for key, value in request.inputs.items()}
            names = list(request.output_filter) or list(signature.outputs)
            fetch = {name: signature.outputs[name].name for name in names}
            outputs.append(session.run(fetch, feed_dict=feed))
    return outputs
