"""The prep benchmark's baseline: the same operations as the product's steps, in pandas.

Reads the CSV, splits it (random, seeded), learns imputation means, categories and scaling on the
train split only, applies them to every split, and writes each split to Parquet (as the product's
steps do). Prints one JSON line: wall seconds, peak memory (ru_maxrss, KiB on Linux) and the versions.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
import pyarrow

path, out_dir = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
df = pd.read_csv(path)
rng = np.random.default_rng(42)
pos = rng.random(len(df))
splits = {"train": df[pos < 0.7], "validation": df[(pos >= 0.7) & (pos < 0.85)], "test": df[pos >= 0.85]}
train = splits["train"]
num_cols = [c for c in df.columns if c.startswith("num")]
cat_cols = [c for c in df.columns if c.startswith("cat")]
means = train[num_cols].mean()
categories = {c: sorted(train[c].dropna().unique()) for c in cat_cols}
filled = train[num_cols].fillna(means)
mu, sd = filled.mean(), filled.std(ddof=0).replace(0, 1)
for name, part in splits.items():
    part = part.copy()
    part[num_cols] = (part[num_cols].fillna(means) - mu) / sd
    for c in cat_cols:
        part[c] = pd.Categorical(part[c], categories=categories[c])
    part = pd.get_dummies(part, columns=cat_cols, prefix_sep="=", dtype="int32")
    part.to_parquet(f"{out_dir}/{name}.parquet", index=False)
wall = time.perf_counter() - t0
print(json.dumps({
    "wallSeconds": wall,
    "peakRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "pandas": pd.__version__,
    "pyarrow": pyarrow.__version__,
}))
