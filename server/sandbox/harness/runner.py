"""Runs a Python code node inside the sandbox: /work/ctx.json in, /work/out/* and metrics out."""
import json
import os
import runpy
import sys
import traceback

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
