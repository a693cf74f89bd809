from sklearn.linear_model import LogisticRegression


def features(df, p):
    """Numeric columns but the label and the excluded ones; missing values as 0."""
    drop = [c for c in [p["label"], *p["exclude"]] if c in df.columns]
    return df.drop(columns=drop).select_dtypes("number").fillna(0)


def run(ctx):
    p = ctx.params
    train = ctx.input("train").dropna(subset=[p["label"]])
    X, y = features(train, p), train[p["label"]]
    # Flowforge's l2 is per row: scikit-learn's C is 1 / (l2 * rows).
    model = LogisticRegression(C=1 / (p["l2"] * len(train)), max_iter=max(100, p["epochs"]))
    model.fit(X, y)
    ctx.log(f"trained on {len(train)} rows, {X.shape[1]} features")
    ctx.metric("train_accuracy", float(model.score(X, y)))
    try:
        val = ctx.input("validation").dropna(subset=[p["label"]])
        ctx.metric("validation_accuracy", float(model.score(features(val, p)[X.columns], val[p["label"]])))
    except KeyError:
        pass  # no validation split connected
    ctx.output_model(model, X, p["label"])
