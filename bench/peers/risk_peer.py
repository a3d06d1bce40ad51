#!/usr/bin/env python3
"""Peer models for the risk bench: scikit-learn LogisticRegression and XGBoost on the exact rows, inputs,
weights and time split the TypeScript trainer used.

Usage: /usr/bin/python3 risk_peer.py data.csv params.json
  data.csv: header `split,y,w,cutoff,<columns…>`, split in {fit, valid, test}; a column named `num:NAME` is
  numeric (empty = missing), `cat:NAME` is a raw categorical level (text), `ts:NAME` is the TypeScript
  model's target statistic of that categorical (only for the "XGBoost on our encoding" run).
  params.json: {"rounds", "learning_rate", "max_depth", "max_leaves", "lambda", "min_child_weight",
                "subsample", "colsample", "early_stopping", "seed", "seeds": [model seeds], "cutoffs": [hours to report]}

Inputs per model (the same information for all three):
  - XGBoost: numeric columns as they are, categoricals natively (feature_types "c": partition splits);
  - XGBoost on our encoding: numeric columns + our target statistics (learner-only comparison);
  - logistic regression: numeric columns median-imputed with missing indicators and standardised,
    categoricals one-hot (unseen levels ignored).
All train on the fit rows with their weights; XGBoost early-stops on the validation rows.
Prints one JSON object: per model {"all": {prAuc, rocAuc, rows}, "cutoff:H": {...}} and XGBoost's CPU
seconds of one single-threaded training (DMatrix build included). With "seeds", XGBoost is also trained once
per model seed (row/column subsampling; same rows, split and parameters) under "xgboostSeeds": a list of
{seed, "cutoff:H": {...}, cpuSecondsOneThread} so a comparison can report the mean and spread over seeds.
"""
import csv
import json
import sys
import time

import numpy as np


def load(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        rows = list(r)
    cols = list(zip(*rows))
    split = np.array(cols[0])
    y = np.array(cols[1], dtype=float)
    w = np.array(cols[2], dtype=float)
    cut = np.array(cols[3], dtype=float)
    num, cat, ts = [], [], []
    for name, col in zip(header[4:], cols[4:]):
        if name.startswith("num:"):
            num.append(np.array([float(v) if v != "" else np.nan for v in col]))
        elif name.startswith("cat:"):
            cat.append(np.array(col, dtype=object))
        elif name.startswith("ts:"):
            ts.append(np.array([float(v) for v in col]))
    N = len(y)
    num = np.column_stack(num) if num else np.zeros((N, 0))
    ts = np.column_stack(ts) if ts else np.zeros((N, 0))
    return split, y, w, cut, num, cat, ts


def metrics(y, s):
    from sklearn.metrics import average_precision_score, roc_auc_score

    if y.sum() == 0 or y.sum() == len(y):
        return {"prAuc": None, "rocAuc": None, "rows": int(len(y))}
    return {"prAuc": float(average_precision_score(y, s)), "rocAuc": float(roc_auc_score(y, s)), "rows": int(len(y))}


def report(y, s, cut, cutoffs):
    out = {"all": metrics(y, s)}
    for h in cutoffs:
        m = cut == h
        out[f"cutoff:{h:g}"] = metrics(y[m], s[m])
    return out


def xgb_params(p, threads):
    return {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
        "grow_policy": "lossguide",
        "max_depth": p["max_depth"],
        "max_leaves": p["max_leaves"],
        "eta": p["learning_rate"],
        "lambda": p["lambda"],
        "min_child_weight": p["min_child_weight"],
        "subsample": p["subsample"],
        "colsample_bytree": p["colsample"],
        "max_bin": 256,
        "nthread": threads,
        "seed": p.get("seed", 0),
    }


def main():
    data_path, params_path = sys.argv[1], sys.argv[2]
    with open(params_path) as f:
        p = json.load(f)
    split, y, w, cut, num, cat, ts = load(data_path)
    fit, valid, test = split == "fit", split == "valid", split == "test"
    cutoffs = p.get("cutoffs", [])
    out = {"rows": {"fit": int(fit.sum()), "valid": int(valid.sum()), "test": int(test.sum())}}

    # Categorical codes from the fit rows' levels; a level unseen there is missing (NaN).
    codes = []
    for c in cat:
        levels = {v: i for i, v in enumerate(sorted(set(c[fit])))}
        codes.append(np.array([levels.get(v, np.nan) for v in c], dtype=float))
    Xc = np.column_stack([num] + [k[:, None] for k in codes]) if codes else num
    types = ["q"] * num.shape[1] + ["c"] * len(codes)

    try:
        from scipy import sparse
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        t0 = time.process_time()
        imp = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True).fit(num[fit])
        sc = StandardScaler().fit(imp.transform(num[fit]))
        blocks = [sparse.csr_matrix(sc.transform(imp.transform(num)))]
        if cat:
            catarr = np.column_stack([c.astype(str) for c in cat])
            blocks.append(OneHotEncoder(handle_unknown="ignore").fit(catarr[fit]).transform(catarr))
        Xl = sparse.hstack(blocks).tocsr()
        lr = LogisticRegression(max_iter=3000, C=1.0)
        lr.fit(Xl[fit], y[fit], sample_weight=w[fit])
        out["logistic"] = {**report(y[test], lr.predict_proba(Xl[test])[:, 1], cut[test], cutoffs), "cpuSeconds": time.process_time() - t0}
    except Exception as e:  # noqa: BLE001 - reported, not raised: the bench shows the error
        out["logistic"] = {"error": f"{type(e).__name__}: {e}"}

    try:
        import xgboost as xgb

        def train(X, feature_types, threads, seed=None):
            c0 = time.process_time()
            kw = {"feature_types": feature_types, "enable_categorical": True} if feature_types and "c" in feature_types else {}
            dfit = xgb.DMatrix(X[fit], label=y[fit], weight=w[fit], missing=np.nan, **kw)
            dvalid = xgb.DMatrix(X[valid], label=y[valid], weight=w[valid], missing=np.nan, **kw)
            params = xgb_params(p, threads)
            if seed is not None:
                params["seed"] = seed
            booster = xgb.train(
                params,
                dfit,
                num_boost_round=p["rounds"],
                evals=[(dvalid, "valid")],
                early_stopping_rounds=p["early_stopping"],
                verbose_eval=False,
            )
            cpu = time.process_time() - c0
            dtest = xgb.DMatrix(X[test], missing=np.nan, **kw)
            s = booster.predict(dtest, iteration_range=(0, booster.best_iteration + 1))
            return {**report(y[test], s, cut[test], cutoffs), "cpuSecondsOneThread": cpu, "bestIteration": int(booster.best_iteration), "version": xgb.__version__}

        out["xgboost"] = train(Xc, types, 1)
        out["xgboostSeeds"] = [{"seed": sd, **train(Xc, types, 1, sd)} for sd in p.get("seeds", [])]
        if ts.shape[1] > 0:
            out["xgboostOnOurEncoding"] = train(np.column_stack([num, ts]), None, 1)
    except Exception as e:  # noqa: BLE001
        out["xgboost"] = {"error": f"{type(e).__name__}: {e}"}

    print(json.dumps(out))


if __name__ == "__main__":
    main()
