"""The numerical core every model of escalation calls, written once.

========================  ===============================================================
module                    job
========================  ===============================================================
``riskset``               weighted Cox risk sets: strata, (start, stop] rows, Efron and
                          Breslow ties, offsets; score, information, baseline hazard,
                          residuals, ``cox.zph`` terms (compiled, with a numpy path)
``coxfit``                a Cox model fitted on sorted arrays (risk sets + Newton)
``newton``                the Newton–Raphson solver: one convergence rule, one separation
                          rule (warns), optional explicit ridge penalty
``productlimit``          one product-limit kernel: Kaplan–Meier, Aalen–Johansen and the
                          reverse Kaplan–Meier of censoring, one tie rule
``timefix``               the one near-tie rule of times (R's ``timefix``): times that
                          differ only by floating-point rounding are one time
``concordance``           comparable pairs and Harrell's C (also of (start, stop] rows)
``cif``                   the one cumulative-incidence formula from cause-specific hazards
``logistic``              weighted logistic regression on the same solver
``collinearity``          the one check for constant and aliased columns
``sandwich``              the cluster-robust (sandwich) covariance
``discrete``              the Kalbfleisch–Prentice baseline: a Cox model's event-free
                          probabilities that stay above 0 under heavy ties
``smd``                   the standardised difference of a numeric or categorical covariate
                          (Table 1, the balance table, its published copy), ±inf or NaN
                          where it is infinite or not defined, never 0
========================  ===============================================================

The modules are internal: the public estimators in :mod:`escalation.survival`,
:mod:`escalation.causal` and :mod:`escalation.predict` are built on them.
"""
