#!/usr/bin/env python3
"""Peer for the CSAT-drivers bench: scikit-learn LogisticRegression (L2, C = 1/lambda, lbfgs; sklearn does not
penalise the intercept with lbfgs, like the TypeScript model) on the exact one-hot design the TypeScript model
used, fitted on the first 80 % of tickets in time and scored on the last 20 %.

Usage: /usr/bin/python3 drivers_peer.py design.csv lambda ours.json
  design.csv: header `split,y,c0,c1,…`; split in {fit, test}; y = 1 for low CSAT; c_j = 0/1 one-hot columns.
  ours.json: {"coef": [intercept, c0, …]} — the TypeScript fit, to evaluate the same objective at both optima.
Prints one JSON object: {"logLoss", "rocAuc", "rows", "coef", "objective", "oursObjective", "version"}, where
objective = fit-slice log-loss sum + lambda/2 * sum of squared non-intercept coefficients.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score


def main():
    path, lam = sys.argv[1], float(sys.argv[2])
    with open(sys.argv[3]) as f:
        ours = np.array(json.load(f)["coef"])
    raw = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str)
    split = raw[:, 0]
    y = raw[:, 1].astype(int)
    X = raw[:, 2:].astype(float)
    fit, test = split == "fit", split == "test"
    m = LogisticRegression(C=1.0 / lam, penalty="l2", solver="lbfgs", max_iter=5000, tol=1e-10)
    m.fit(X[fit], y[fit])
    p = m.predict_proba(X[test])[:, 1]

    def objective(coef):
        z = coef[0] + X[fit] @ coef[1:]
        return float(np.sum(np.logaddexp(0, z) - y[fit] * z) + lam / 2 * np.sum(coef[1:] ** 2))

    theirs = np.concatenate([m.intercept_, m.coef_[0]])
    print(json.dumps({
        "logLoss": float(log_loss(y[test], p, labels=[0, 1])),
        "rocAuc": float(roc_auc_score(y[test], p)),
        "rows": int(test.sum()),
        "coef": [float(m.intercept_[0])] + [float(c) for c in m.coef_[0]],
        "objective": objective(theirs),
        "oursObjective": objective(ours),
        "version": sklearn.__version__,
    }))


if __name__ == "__main__":
    main()
