"""Runs a Python code node inside the sandbox: /work/ctx.json in, /work/out/* and metrics out."""
import os

# Only stdin, stdout and stderr reach user code (the sandbox closes the rest too; this is the
# second layer).
os.closerange(3, 65536)

import json  # noqa: E402
import runpy  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

with open("/work/ctx.json") as f:
    spec = json.load(f)


class Context:
    """What user code sees: params, inputs, outputs, logs and metrics."""

    def __init__(self):
        self.params = spec["params"]
        self._metrics = {}

    def input_path(self, port):
        path = spec["inputs"].get(port)
        if path is None:
            raise KeyError(f'no dataset on input "{port}" (connected: {", ".join(spec["inputs"]) or "none"})')
        return path

    def input(self, port):
        import pandas as pd

        return pd.read_parquet(self.input_path(port))

    def output(self, port, frame):
        if port not in spec["outputs"]:
            raise KeyError(f'no output port "{port}" (ports: {", ".join(spec["outputs"])})')
        os.makedirs("/work/out", exist_ok=True)
        frame.to_parquet(f"/work/out/{port}.parquet", index=False)

    def output_model(self, model, features, label, port="model"):
        """A fitted scikit-learn model, written as ONNX (skl2onnx) in Flowforge's model shape.

        `features` is the DataFrame the model was fitted on (numeric columns); the ONNX model takes
        one input per column, as Flowforge's own models do, so evaluate, deploy and serving read it
        like any other. `label` names the target column.
        """
        if port not in spec.get("models", []):
            raise KeyError(f'no model output port "{port}" (ports: {", ".join(spec.get("models", [])) or "none"})')
        import onnx
        from onnx import TensorProto, helper
        from pandas.api.types import is_numeric_dtype
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType

        columns = [str(c) for c in features.columns]
        text = [c for c in columns if not is_numeric_dtype(features[c])]
        if text:
            raise TypeError(f"output_model: columns {text} are not numeric; encode them before fitting")
        classifier = hasattr(model, "classes_")
        onx = convert_sklearn(
            model,
            initial_types=[("X", FloatTensorType([None, len(columns)]))],
            options={id(model): {"zipmap": False}} if classifier else None,
            target_opset={"": 17, "ai.onnx.ml": 3},
        )
        graph = onx.graph
        wanted = ["label", "probabilities"] if classifier else ["prediction"]
        renames = {o.name: w for o, w in zip(graph.output, wanted)}
        for node in graph.node:
            node.output[:] = [renames.get(o, o) for o in node.output]
            node.input[:] = [renames.get(i, i) for i in node.input]
        for o in graph.output:
            o.name = renames.get(o.name, o.name)
        del graph.output[len(wanted):]
        taken, names = set(), []
        for c in columns:
            base = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in c) or "col"
            base = f"_{base}" if base[0].isdigit() else base
            name, i = base, 2
            while name in taken:
                name, i = f"{base}_{i}", i + 1
            taken.add(name)
            names.append(name)
        x = graph.input[0].name
        del graph.input[:]
        graph.input.extend([helper.make_tensor_value_info(n, TensorProto.DOUBLE, [None, 1]) for n in names])
        graph.node.insert(0, helper.make_node("Cast", ["ff_x_double"], [x], to=TensorProto.FLOAT))
        graph.node.insert(0, helper.make_node("Concat", names, ["ff_x_double"], axis=1))
        onnx.checker.check_model(onx)
        os.makedirs("/work/out", exist_ok=True)
        onnx.save(onx, f"/work/out/{port}.onnx")

        def plain(v):
            return v.item() if hasattr(v, "item") else v

        classes = [plain(c) for c in model.classes_] if classifier else None
        with open(f"/work/out/{port}.json", "w") as f:
            json.dump(
                {
                    "algorithm": type(model).__name__,
                    "task": ("binary" if len(classes) == 2 else "multiclass") if classifier else "regression",
                    "label": label,
                    "classes": classes,
                    "features": columns,
                    "inputs": [
                        {"name": n, "column": c, "type": "double", "sourceType": str(features[c].dtype)}
                        for n, c in zip(names, columns)
                    ],
                    "params": {k: plain(v) for k, v in model.get_params(deep=False).items() if isinstance(plain(v), (int, float, str, bool, type(None)))},
                },
                f,
            )

    def labelled(self, port, label):
        """An input's rows that have a value in the label column."""
        return self.input(port).dropna(subset=[label])

    def features(self, frame, label, exclude=(), fill=None):
        """The numeric columns of a frame but the label and the excluded ones; missing values
        replaced by `fill` when given (trees take them as they are)."""
        drop = [c for c in [label, *exclude] if c in frame.columns]
        X = frame.drop(columns=drop).select_dtypes("number")
        return X if fill is None else X.fillna(fill)

    def validation_metric(self, name, model, X_train, label, exclude=(), fill=None, port="validation"):
        """`model.score` on the validation input's rows, with the training features' columns,
        recorded as metric `name`; None when no validation input is connected."""
        if port not in spec["inputs"]:
            return None
        rows = self.labelled(port, label)
        score = float(model.score(self.features(rows, label, exclude, fill)[X_train.columns], rows[label]))
        self.metric(name, score)
        return score

    def metric(self, name, value):
        self._metrics[str(name)] = value

    def log(self, *parts):
        print(*parts, file=sys.stderr, flush=True)

    def progress(self, done, total):
        print(f"__progress__ {done} {total}", file=sys.stderr, flush=True)


ctx = Context()
try:
    module = runpy.run_path("/work/user_code.py", run_name="user_code")
    if "run" not in module:
        raise NameError("define run(ctx)")
    module["run"](ctx)
except BaseException as err:  # noqa: BLE001 - every failure goes back to the step, with its line
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == "/work/user_code.py"]
    line = frames[-1].lineno if frames else getattr(err, "lineno", None)
    with open("/work/error.json", "w") as f:
        json.dump({"type": type(err).__name__, "message": str(err), "line": line}, f)
    traceback.print_exc()
    sys.exit(1)
with open("/work/metrics.json", "w") as f:
    json.dump(ctx._metrics, f, default=str)
