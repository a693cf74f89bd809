from pandas.api.types import is_float_dtype
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor


def is_classification(y, task):
    if task != "auto":
        return task == "classification"
    return not is_float_dtype(y) or y.nunique() <= 20 and (y == y.round()).all()


def run(ctx):
    p = ctx.params
    train = ctx.labelled("train", p["label"])
    # Trees take missing values as they are.
    X, y = ctx.features(train, p["label"], p["exclude"]), train[p["label"]]
    Model = HistGradientBoostingClassifier if is_classification(y, p["task"]) else HistGradientBoostingRegressor
    model = Model(
        max_iter=p["trees"],
        learning_rate=p["learningRate"],
        max_leaf_nodes=p["maxLeaves"],
        max_depth=p["maxDepth"] if p["maxDepth"] > 0 else None,
        min_samples_leaf=p["minDataInLeaf"],
        l2_regularization=p["lambda"],
        max_bins=min(255, p["maxBins"]),
        random_state=p["seed"],
    ).fit(X, y)
    ctx.log(f"{Model.__name__}: {model.n_iter_} trees on {len(train)} rows, {X.shape[1]} features")
    ctx.metric("train_score", float(model.score(X, y)))
    ctx.validation_metric("validation_score", model, X, p["label"], p["exclude"])
    ctx.output_model(model, X, p["label"])
