"""Uncertainty: uncertain inputs sampled into draws, and what each plan costs across them.

- `distributions`: quantile functions of the scenario's distributions (sampling is by inverse
  transform of uniforms seeded per draw, so draw i is the same whatever N or the machine).
- `draws`: the sources of randomness (shared factors, then independent inputs), their draws,
  and a draw applied to a scenario and its catalog data (a transformed copy; nothing else
  changes).
- `evaluate`: the NPV of every strategy and of the recommended plan held fixed on one draw.
- `execution`: one execution layer (inline, local process pool, or Dask) for every batch of
  independent solves.
- `sensitivity`, `montecarlo`, `robust`: the three analyses.
"""
