"""Diagnostics: see inside the recurrence.

- `gradient_flow(model, batch, loss_fn)`: `||dL/dh_t||` per step and
  recurrent layer (one GradientTape pass); `plot_gradient_flow` draws
  several models on one log-scale figure.
- `hidden_states(model, inputs)`, `saturated_fraction`, `plot_hidden_states`:
  heat maps of the hidden units over time, tokens as x labels, and the
  fraction of saturated units per step.
- `jacobian_spectrum(cell, inputs)`, `plot_jacobian_spectrum`: spectral
  radius and singular values of `dh_t/dh_{t-1}` along a sequence.
- `GradientNormLogger`: callback logging gradient norms (and the fraction of
  clipped steps) to the History and TensorBoard every epoch.
- `plot_history(history, path)`: the training curves recipes save as
  `history.png`.
- `compare_cells(...)`: gradient norm vs distance for `elman`, `lstm`,
  `gru` (behind `seqapps diagnose --compare-cells`).
- `diagnose_model(model, inputs, out_dir)`: all the plots for one trained
  model (behind `seqapps diagnose MODEL --out DIR`).

Example:

```python
from seqapps import diagnostics

flow = diagnostics.gradient_flow(model, (x, y), "sparse_categorical_crossentropy")
diagnostics.plot_gradient_flow({"lstm": flow}, "gradient_flow.png")
```
"""

from seqapps.diagnostics.compare_cells import (
    compare_cells,
    compare_cells_table,
    gradient_vs_distance,
    plot_compare_cells,
    write_compare_cells_csv,
)
from seqapps.diagnostics.diagnose import diagnose_model
from seqapps.diagnostics.gradient_flow import gradient_flow, plot_gradient_flow
from seqapps.diagnostics.gradient_norm_logger import GradientNormLogger
from seqapps.diagnostics.hidden_states import (
    hidden_states,
    input_labels,
    plot_hidden_states,
    saturated_fraction,
)
from seqapps.diagnostics.history import plot_history
from seqapps.diagnostics.jacobian_spectrum import jacobian_spectrum, plot_jacobian_spectrum

__all__ = [
    "GradientNormLogger",
    "compare_cells",
    "compare_cells_table",
    "diagnose_model",
    "gradient_flow",
    "gradient_vs_distance",
    "hidden_states",
    "input_labels",
    "jacobian_spectrum",
    "plot_compare_cells",
    "plot_gradient_flow",
    "plot_hidden_states",
    "plot_history",
    "plot_jacobian_spectrum",
    "saturated_fraction",
    "write_compare_cells_csv",
]
