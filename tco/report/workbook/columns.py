"""Sheet names and the column layouts that several sheets refer to.

A formula on one sheet that points into another needs that sheet's columns; they live here,
below every sheet module, so no sheet imports another to find a column.
"""

from __future__ import annotations

from tco.model.terms import CATEGORIES

ASSUMPTIONS, PLAN, CAPACITY, COSTS, STRATEGIES, UNIT_ECONOMICS = (
    "Assumptions", "Plan", "Capacity", "Costs", "Strategies", "Unit economics")
LEVERS = "Levers"

PERIOD_COL0 = 15
"""First column of per-period values on the Assumptions sheet (O)."""

CATEGORY_LABELS = {
    "api": "API realtime",
    "api_batch": "API batch",
    "gpu_on_demand": "GPU on demand",
    "gpu_reserved": "GPU reserved",
    "gpu_reserved_after_horizon": "GPU reserved after horizon",
    "gpu_capex": "GPU purchases",
    "gpu_residual": "GPU residual value",
    "power_facility": "Power and facility",
    "staff": "Staff",
    "fine_tuning": "Fine-tuning",
    "levers": "Levers (caches, prompts)",
    "migration": "Migration",
    "gpu_support": "GPU support and maintenance",
    "gpu_software": "GPU software licences",
    "gpu_network_storage": "GPU networking and storage",
    "api_operations": "API engineering and operations",
    "error": "Expected errors",
    "tariff_fee": "Tariff fees",
    "tariff_units": "Provisioned units",
    "tariff_discount": "Tariff discounts",
    "tariff_shortfall": "Commitment shortfall",
    "tariff_after_horizon": "Tariffs after horizon",
}

PLAN_COLUMNS = [
    ("Workload", 28), ("Period", 9), ("t", 5), ("Option", 34), ("Kind", 11),
    ("API or model", 24), ("GPU", 12), ("Fine-tune", 14), ("Fine-tune #", 7),
    ("Share of requests", 10), ("Requests", 14), ("Input tokens per request", 10),
    ("Cached input share", 9), ("Output tokens per request", 10), ("Quality (0-100)", 8),
    ("Price row", 26), ("API cost (USD)", 14), ("Error cost (USD)", 13), ("Deployment #", 8),
    ("Replica-hours", 12), ("GPU-hours", 12),
    ("Tokens", 16), ("Discount factor", 10), ("Direct cost PV (USD)", 14),
    ("Shared GPU and staff PV (USD)", 14), ("Fine-tuning PV (USD)", 13),
    ("Attributed PV (USD)", 14), ("Prompt variant", 14), ("Cache", 7), ("Cascade", 14),
    ("Escalation", 10), ("API spend category", 10),
]
PC = {name: i + 1 for i, (name, _) in enumerate(PLAN_COLUMNS)}
"""Plan column index by header."""

FLEET_COLUMNS = [("GPU", 14), ("Period", 9), ("t", 5), ("Bought (GPUs)", 10),
                 ("Reserved 1y signed (GPUs)", 11), ("Reserved 3y signed (GPUs)", 11),
                 ("Owned alive (GPUs)", 10), ("Reserved 1y alive (GPUs)", 10),
                 ("Reserved 3y alive (GPUs)", 10), ("On demand (GPUs)", 10),
                 ("Existing owned (GPUs)", 10), ("Existing reserved (GPUs)", 10),
                 ("Total held (GPUs)", 9), ("In use (GPUs)", 9),
                 ("Utilization (in use / held)", 11)]
FC = {name: i + 1 for i, (name, _) in enumerate(FLEET_COLUMNS)}
"""Capacity (fleet table) column index by header."""

COSTS_HEAD = (["Period", "t", "Year"] + [f"{CATEGORY_LABELS[k]} (USD)" for k in CATEGORIES]
              + ["Total (USD)", "Discount factor", "Present value (USD)", "",
                 "Shared (USD)", "Shared PV (USD)", "GPU-hours", "Tokens"])
COSTS_COL = {name: i + 1 for i, name in enumerate(COSTS_HEAD)}
"""Costs column index by header, and by cost category key."""
for _i, _k in enumerate(CATEGORIES):
    COSTS_COL[_k] = 4 + _i
COSTS_COL["GPU-hours"] = COSTS_HEAD.index("GPU-hours") + 1
COSTS_COL["Tokens"] = COSTS_HEAD.index("Tokens") + 1


def price_key(row) -> tuple:
    """The price row an API option is priced from: API, mode and the prices themselves."""
    if row.kind == "api_batch":
        mode = "batch"
    elif isinstance(row.fine_tune, str):
        mode = "fine-tuned"
    else:
        mode = "realtime"
    return (row.api, mode, float(row.p_input), float(row.p_cached), float(row.p_output),
            float(row.price_trend), float(row.p_cache_write))
