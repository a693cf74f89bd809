"""The train benchmark's baselines, one algorithm per process (so each has its own peak memory).

usage: train_baselines.py <data dir> <lightgbm|xgboost|logistic|mlp> <threads> <json params>
Reads the float32 matrices and uint8 labels bench/train.ts wrote, trains on train, scores ROC-AUC
on test, prints one JSON line: fit seconds, peak memory (ru_maxrss, KiB on Linux), AUC and the
library's version.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score

data, algo, threads, params = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
meta = json.load(open(os.path.join(data, "meta.json")))
f = meta["features"]


def load(part):
    X = np.fromfile(os.path.join(data, f"{part}.bin"), dtype=np.float32).reshape(-1, f)
    y = np.fromfile(os.path.join(data, f"{part}_y.bin"), dtype=np.uint8)
    return X, y


Xtr, ytr = load("train")
Xte, yte = load("test")
t0 = time.perf_counter()
if algo == "lightgbm":
    import lightgbm as lgb

    version = lgb.__version__
    model = lgb.LGBMClassifier(
        n_estimators=params["trees"], learning_rate=params["learningRate"],
        num_leaves=params["maxLeaves"], max_depth=-1, min_child_samples=params["minDataInLeaf"],
        reg_lambda=0.0, max_bin=255, n_jobs=threads, verbose=-1,
    ).fit(Xtr, ytr)
elif algo == "xgboost":
    import xgboost as xgb

    version = xgb.__version__
    model = xgb.XGBClassifier(
        n_estimators=params["trees"], learning_rate=params["learningRate"], tree_method="hist",
        grow_policy="lossguide", max_leaves=params["maxLeaves"], max_depth=0, max_bin=256,
        min_child_weight=0.001, reg_lambda=0.0, n_jobs=threads,
    ).fit(Xtr, ytr)
elif algo == "logistic":
    from sklearn.linear_model import LogisticRegression

    version = sklearn.__version__

    model = LogisticRegression(C=1.0, max_iter=params["maxIter"]).fit(Xtr, ytr)
elif algo == "mlp":
    from sklearn.neural_network import MLPClassifier

    version = sklearn.__version__

    model = MLPClassifier(
        hidden_layer_sizes=tuple(params["hidden"]), alpha=params["l2"],
        learning_rate_init=params["learningRate"], batch_size=params["batchSize"],
        max_iter=params["epochs"], random_state=1,
    ).fit(Xtr, ytr)
else:
    raise SystemExit(f"unknown algorithm {algo}")
fit_seconds = time.perf_counter() - t0
auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
print(json.dumps({
    "fitSeconds": fit_seconds,
    "peakRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "auc": auc,
    "version": version,
}))
