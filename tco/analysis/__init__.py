"""Build versus buy: strategies compared, break-even volumes and cost-versus-volume curves.

- `strategies`: the built-in strategies and the scenario's own, each solved (`compare`).
- `breakeven`: the demand scale at which two strategies cost the same (`breakeven`).
- `curves`: each strategy's NPV over log-spaced demand scales (`curves`).
- `points`: one strategy at one demand scale (`npv_at`), the only solve the searches call.
- `parallel`: the process pool, the cache of points solved and the progress bar.
- `analyse`: all three for `tco run`, sharing their solves.
"""

from tco.analysis.analyse import Analysis, analyse
from tco.analysis.breakeven import DEFAULT_PAIRS, breakeven, breakeven_pairs, log_grid
from tco.analysis.curves import curves
from tco.analysis.parallel import Evaluator, Point
from tco.analysis.points import npv_at, scaled
from tco.analysis.strategies import BUILT_IN, compare, strategies_for, strategy_named

__all__ = ["BUILT_IN", "DEFAULT_PAIRS", "Analysis", "Evaluator", "Point", "analyse",
           "breakeven", "breakeven_pairs", "compare", "curves", "log_grid", "npv_at", "scaled",
           "strategies_for", "strategy_named"]
