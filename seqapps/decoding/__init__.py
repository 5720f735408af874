"""Decoding: turning a step function's next-token scores into sequences, in the graph.

Every decoder works over a step function, the one thing a model provides:

    step_function(ids, state) -> (logits, state)

`ids` is int32 `[batch]` (the tokens just chosen, or the start tokens),
`state` any nest of tensors whose first dimension is the batch (recurrent
states, caches), and `logits` float32 `[batch, vocabulary]`; beam search adds
up `logits` as log-probabilities, so its step function returns those (e.g.
`log_softmax` of the logits). Anything the steps share and do not change
(encoder outputs...) the step function closes over. The decoders are plain
TensorFlow, written for `tf.function` (autograph loops with shape invariants
on a dynamic batch), so they trace into exported SavedModel signatures; they
also run eagerly.

One file per decoder:

- `greedy.py`: `greedy_search` (the most likely token at each step) and
  `greedy_ids` (the choice of one step).
- `sampling.py`: `sampling_search` (draws with a temperature, top-k and top-p,
  from stateless random ops, so a seed reproduces a sequence) and the draw of
  one step, `sample_ids`, with its filters `top_k_filter` and `top_p_filter`.
- `beam_search.py`: `beam_search`, the best length-normalized hypothesis of
  `beam_width` kept per row (Wu et al. 2016), and `tile_beams` for what the
  step function closes over.
- `loop.py`: `decode_loop`, the token-by-token loop greedy search and sampling share.

The tasks (`seqapps.tasks`) import this package; it imports nothing from them.
"""

from seqapps.decoding.beam_search import LENGTH_PENALTY, beam_search, tile_beams
from seqapps.decoding.greedy import greedy_ids, greedy_search
from seqapps.decoding.loop import decode_loop
from seqapps.decoding.sampling import sample_ids, sampling_search, top_k_filter, top_p_filter

__all__ = [
    "LENGTH_PENALTY",
    "beam_search",
    "decode_loop",
    "greedy_ids",
    "greedy_search",
    "sample_ids",
    "sampling_search",
    "tile_beams",
    "top_k_filter",
    "top_p_filter",
]
