from sklearn.linear_model import LogisticRegression


def run(ctx):
    p = ctx.params
    train = ctx.labelled("train", p["label"])
    X, y = ctx.features(train, p["label"], p["exclude"], fill=0), train[p["label"]]
    # Flowforge's l2 is per row: scikit-learn's C is 1 / (l2 * rows).
    model = LogisticRegression(C=1 / (p["l2"] * len(train)), max_iter=max(100, p["epochs"]))
    model.fit(X, y)
    ctx.log(f"{model.n_iter_[0]} iterations on {len(train)} rows, {X.shape[1]} features")
    ctx.metric("train_accuracy", float(model.score(X, y)))
    ctx.validation_metric("validation_accuracy", model, X, p["label"], p["exclude"], fill=0)
    ctx.output_model(model, X, p["label"])
