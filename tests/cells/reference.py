"""Independent NumPy reference for the seqapps recurrent cells (no TensorFlow).

Forward passes and hand-derived backpropagation through time for `GRUCell`
(reset_after=False), `PeepholeLSTMCell` and `LayerNormLSTMCell`, written from
the cell equations, not from the cell code. Conventions follow Keras: row
vectors (`x @ W`), kernels split into gate chunks of `units` columns along the
last axis, `inputs` of shape (batch, steps, input_dim), states a list whose
first entry `h` is also the output of every step.

Each cell has `<cell>_forward(inputs, initial_states, weights)` returning
`(outputs, final_states)` and `<cell>_backward(inputs, initial_states, weights,
d_outputs, d_final_states=None)` returning `(outputs, final_states, gradients)`
where `gradients` maps "inputs", "initial_states" (a list) and every weight name
(the cell attribute names, e.g. "kernel", "input_gate_peephole") to dL/d(that),
given the upstream gradients dL/d(outputs) for every step and optionally
dL/d(final states).
"""

import numpy as np


def sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def layer_norm(values, gamma, beta, epsilon):
    """LN over the last axis; returns the result and what its backward needs."""
    mean = values.mean(axis=-1, keepdims=True)
    variance = ((values - mean) ** 2).mean(axis=-1, keepdims=True)
    inverse_std = 1.0 / np.sqrt(variance + epsilon)
    normalized = (values - mean) * inverse_std
    return gamma * normalized + beta, (normalized, inverse_std, gamma)


def layer_norm_backward(d_result, cache):
    """Returns dL/d(values), dL/d(gamma), dL/d(beta) of `layer_norm`."""
    normalized, inverse_std, gamma = cache
    d_normalized = d_result * gamma
    d_values = inverse_std * (
        d_normalized
        - d_normalized.mean(axis=-1, keepdims=True)
        - normalized * (d_normalized * normalized).mean(axis=-1, keepdims=True)
    )
    return d_values, (d_result * normalized).sum(axis=0), d_result.sum(axis=0)


def _chunks(values, count):
    return np.split(values, count, axis=-1)


# ---------------------------------------------------------------- GRU ----


def _gru_step(weights, x, states):
    (h_prev,) = states
    kernel_z, kernel_r, kernel_h = _chunks(weights["kernel"], 3)
    recurrent_z, recurrent_r, recurrent_h = _chunks(weights["recurrent_kernel"], 3)
    bias_z, bias_r, bias_h = _chunks(weights["bias"], 3)
    z = sigmoid(x @ kernel_z + h_prev @ recurrent_z + bias_z)
    r = sigmoid(x @ kernel_r + h_prev @ recurrent_r + bias_r)
    candidate = np.tanh(x @ kernel_h + (r * h_prev) @ recurrent_h + bias_h)
    h = z * h_prev + (1.0 - z) * candidate
    return [h], (x, h_prev, z, r, candidate)


def _gru_step_backward(weights, cache, d_states):
    (d_h,) = d_states
    x, h_prev, z, r, candidate = cache
    recurrent_z, recurrent_r, recurrent_h = _chunks(weights["recurrent_kernel"], 3)
    d_z = d_h * (h_prev - candidate)
    d_h_prev = d_h * z
    d_pre_h = d_h * (1.0 - z) * (1.0 - candidate**2)
    d_reset_h = d_pre_h @ recurrent_h.T  # dL/d(r * h_prev)
    d_r = d_reset_h * h_prev
    d_h_prev += d_reset_h * r
    d_pre_z = d_z * z * (1.0 - z)
    d_pre_r = d_r * r * (1.0 - r)
    d_h_prev += d_pre_z @ recurrent_z.T + d_pre_r @ recurrent_r.T
    d_pre = np.concatenate([d_pre_z, d_pre_r, d_pre_h], axis=-1)
    gradients = {
        "kernel": x.T @ d_pre,
        "recurrent_kernel": np.concatenate([h_prev.T @ d_pre_z, h_prev.T @ d_pre_r, (r * h_prev).T @ d_pre_h], axis=-1),
        "bias": d_pre.sum(axis=0),
    }
    return d_pre @ weights["kernel"].T, [d_h_prev], gradients


# ------------------------------------------------------ Peephole LSTM ----


def _peephole_lstm_step(weights, x, states):
    h_prev, c_prev = states
    pre = x @ weights["kernel"] + h_prev @ weights["recurrent_kernel"] + weights["bias"]
    pre_i, pre_f, pre_c, pre_o = _chunks(pre, 4)
    i = sigmoid(pre_i + weights["input_gate_peephole"] * c_prev)
    f = sigmoid(pre_f + weights["forget_gate_peephole"] * c_prev)
    candidate = np.tanh(pre_c)
    c = f * c_prev + i * candidate
    o = sigmoid(pre_o + weights["output_gate_peephole"] * c)
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return [h, c], (x, h_prev, c_prev, i, f, candidate, c, o, tanh_c)


def _peephole_lstm_step_backward(weights, cache, d_states):
    d_h, d_c = d_states
    x, h_prev, c_prev, i, f, candidate, c, o, tanh_c = cache
    d_pre_o = d_h * tanh_c * o * (1.0 - o)
    d_c = d_c + d_h * o * (1.0 - tanh_c**2) + d_pre_o * weights["output_gate_peephole"]
    d_pre_i = d_c * candidate * i * (1.0 - i)
    d_pre_f = d_c * c_prev * f * (1.0 - f)
    d_pre_c = d_c * i * (1.0 - candidate**2)
    d_c_prev = d_c * f + d_pre_i * weights["input_gate_peephole"] + d_pre_f * weights["forget_gate_peephole"]
    d_pre = np.concatenate([d_pre_i, d_pre_f, d_pre_c, d_pre_o], axis=-1)
    gradients = {
        "kernel": x.T @ d_pre,
        "recurrent_kernel": h_prev.T @ d_pre,
        "bias": d_pre.sum(axis=0),
        "input_gate_peephole": (d_pre_i * c_prev).sum(axis=0),
        "forget_gate_peephole": (d_pre_f * c_prev).sum(axis=0),
        "output_gate_peephole": (d_pre_o * c).sum(axis=0),
    }
    d_h_prev = d_pre @ weights["recurrent_kernel"].T
    return d_pre @ weights["kernel"].T, [d_h_prev, d_c_prev], gradients


# ---------------------------------------------------- LayerNorm LSTM ----


def _layer_norm_lstm_step(weights, x, states, epsilon):
    h_prev, c_prev = states
    input_part, input_cache = layer_norm(x @ weights["kernel"], weights["input_gamma"], weights["input_beta"], epsilon)
    recurrent_part, recurrent_cache = layer_norm(
        h_prev @ weights["recurrent_kernel"],
        weights["recurrent_gamma"],
        weights["recurrent_beta"],
        epsilon,
    )
    pre_i, pre_f, pre_c, pre_o = _chunks(input_part + recurrent_part + weights["bias"], 4)
    i, f, o = sigmoid(pre_i), sigmoid(pre_f), sigmoid(pre_o)
    candidate = np.tanh(pre_c)
    c = f * c_prev + i * candidate
    normalized_c, cell_cache = layer_norm(c, weights["cell_gamma"], weights["cell_beta"], epsilon)
    tanh_c = np.tanh(normalized_c)
    h = o * tanh_c
    cache = (x, h_prev, c_prev, i, f, candidate, o, tanh_c)
    return [h, c], (cache, input_cache, recurrent_cache, cell_cache)


def _layer_norm_lstm_step_backward(weights, caches, d_states):
    d_h, d_c = d_states
    cache, input_cache, recurrent_cache, cell_cache = caches
    x, h_prev, c_prev, i, f, candidate, o, tanh_c = cache
    d_pre_o = d_h * tanh_c * o * (1.0 - o)
    d_c_from_h, d_cell_gamma, d_cell_beta = layer_norm_backward(d_h * o * (1.0 - tanh_c**2), cell_cache)
    d_c = d_c + d_c_from_h
    d_pre_i = d_c * candidate * i * (1.0 - i)
    d_pre_f = d_c * c_prev * f * (1.0 - f)
    d_pre_c = d_c * i * (1.0 - candidate**2)
    d_pre = np.concatenate([d_pre_i, d_pre_f, d_pre_c, d_pre_o], axis=-1)
    d_input_product, d_input_gamma, d_input_beta = layer_norm_backward(d_pre, input_cache)
    d_recurrent_product, d_recurrent_gamma, d_recurrent_beta = layer_norm_backward(d_pre, recurrent_cache)
    gradients = {
        "kernel": x.T @ d_input_product,
        "recurrent_kernel": h_prev.T @ d_recurrent_product,
        "bias": d_pre.sum(axis=0),
        "input_gamma": d_input_gamma,
        "input_beta": d_input_beta,
        "recurrent_gamma": d_recurrent_gamma,
        "recurrent_beta": d_recurrent_beta,
        "cell_gamma": d_cell_gamma,
        "cell_beta": d_cell_beta,
    }
    d_h_prev = d_recurrent_product @ weights["recurrent_kernel"].T
    return d_input_product @ weights["kernel"].T, [d_h_prev, d_c * f], gradients


# ------------------------------------------------ time loop (shared) ----


def _forward(step, inputs, initial_states, weights):
    states = [np.asarray(state, dtype=np.float64) for state in initial_states]
    outputs, caches = [], []
    for t in range(inputs.shape[1]):
        states, cache = step(weights, inputs[:, t], states)
        outputs.append(states[0])
        caches.append(cache)
    return np.stack(outputs, axis=1), states, caches


def _backward(step, step_backward, inputs, initial_states, weights, d_outputs, d_final_states):
    outputs, final_states, caches = _forward(step, inputs, initial_states, weights)
    if d_final_states is None:
        d_states = [np.zeros_like(state) for state in final_states]
    else:
        d_states = [np.array(d_state, dtype=np.float64) for d_state in d_final_states]
    gradients = {name: np.zeros_like(value) for name, value in weights.items()}
    d_inputs = np.zeros_like(inputs, dtype=np.float64)
    for t in reversed(range(inputs.shape[1])):
        d_states[0] = d_states[0] + d_outputs[:, t]
        d_inputs[:, t], d_states, step_gradients = step_backward(weights, caches[t], d_states)
        for name, gradient in step_gradients.items():
            gradients[name] += gradient
    gradients["inputs"] = d_inputs
    gradients["initial_states"] = d_states
    return outputs, final_states, gradients


def gru_forward(inputs, initial_states, weights):
    outputs, final_states, _ = _forward(_gru_step, inputs, initial_states, weights)
    return outputs, final_states


def gru_backward(inputs, initial_states, weights, d_outputs, d_final_states=None):
    return _backward(_gru_step, _gru_step_backward, inputs, initial_states, weights, d_outputs, d_final_states)


def peephole_lstm_forward(inputs, initial_states, weights):
    outputs, final_states, _ = _forward(_peephole_lstm_step, inputs, initial_states, weights)
    return outputs, final_states


def peephole_lstm_backward(inputs, initial_states, weights, d_outputs, d_final_states=None):
    return _backward(
        _peephole_lstm_step,
        _peephole_lstm_step_backward,
        inputs,
        initial_states,
        weights,
        d_outputs,
        d_final_states,
    )


def layer_norm_lstm_forward(inputs, initial_states, weights, epsilon=1e-3):
    def step(step_weights, x, states):
        return _layer_norm_lstm_step(step_weights, x, states, epsilon)

    outputs, final_states, _ = _forward(step, inputs, initial_states, weights)
    return outputs, final_states


def layer_norm_lstm_backward(inputs, initial_states, weights, d_outputs, d_final_states=None, epsilon=1e-3):
    def step(step_weights, x, states):
        return _layer_norm_lstm_step(step_weights, x, states, epsilon)

    return _backward(
        step,
        _layer_norm_lstm_step_backward,
        inputs,
        initial_states,
        weights,
        d_outputs,
        d_final_states,
    )
