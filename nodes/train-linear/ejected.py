from sklearn.linear_model import Ridge


def features(df, p):
    """Numeric columns but the label and the excluded ones; missing values as 0."""
    drop = [c for c in [p["label"], *p["exclude"]] if c in df.columns]
    return df.drop(columns=drop).select_dtypes("number").fillna(0)


def run(ctx):
    p = ctx.params
    train = ctx.input("train").dropna(subset=[p["label"]])
    X, y = features(train, p), train[p["label"]]
    model = Ridge(alpha=p["alpha"]).fit(X, y)
    ctx.log(f"trained on {len(train)} rows, {X.shape[1]} features")
    ctx.metric("train_r2", float(model.score(X, y)))
    try:
        val = ctx.input("validation").dropna(subset=[p["label"]])
        ctx.metric("validation_r2", float(model.score(features(val, p)[X.columns], val[p["label"]])))
    except KeyError:
        pass  # no validation split connected
    ctx.output_model(model, X, p["label"])
