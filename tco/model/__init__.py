"""The optimization model: data -> Pyomo MILP (one module per constraint family) -> HiGHS."""

from tco.model.build import Built, build_model
from tco.model.data import ModelData, make_model_data
from tco.model.resolve import Replanner
from tco.model.solve import SolveResult, marginal_duals, solve

__all__ = ["Built", "ModelData", "Replanner", "SolveResult", "build_model", "make_model_data",
           "marginal_duals", "solve"]
