"""Defaults of the analyses' parameters, in a module without dependencies: the CLI shows them in
its options without importing the analyses (and pandas with them)."""

DEFAULT_HORIZON_DAYS = 365
"""How far the simulation runs (assumption: a year covers every required-by day in use)."""

DEFAULT_BUDGET_THRESHOLD = 0.05
"""assumption: 5 % of a defence budget on one operation is a heavy but sustainable load (the
UK's Afghanistan net additional cost was roughly 10–15 % of its defence budget at the peak);
above it, a nation's contribution is at political risk."""

DEFAULT_PERSONNEL_THRESHOLD = 0.10
"""assumption: a rotation pool tying up more than a tenth of a nation's active personnel leaves
too little for national tasks and other commitments."""

DEFAULT_DWELL_TOURS = 1.0
"""Months at home before a unit deploys again, as a multiple of its tour. assumption: one tour
(recover, then prepare) as the minimum; the UK's harmony guidelines aim higher — a 24-month
average interval between army unit tours, 16 months for the RAF (Iraq Inquiry report, section
16.1, table 1, guidelines of 2003)."""
