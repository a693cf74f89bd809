from sklearn.linear_model import Ridge


def run(ctx):
    p = ctx.params
    train = ctx.labelled("train", p["label"])
    # Linear models take no missing values: they count as 0 here.
    X, y = ctx.features(train, p["label"], p["exclude"], fill=0), train[p["label"]]
    model = Ridge(alpha=p["alpha"]).fit(X, y)
    ctx.log(f"trained on {len(train)} rows, {X.shape[1]} features")
    ctx.metric("train_r2", float(model.score(X, y)))
    ctx.validation_metric("validation_r2", model, X, p["label"], p["exclude"], fill=0)
    ctx.output_model(model, X, p["label"])
