"""Calls a Flowforge endpoint with NVIDIA's tritonclient[http], the standard Open Inference
Protocol (KServe v2) client, as a client application would.

usage: oip_client.py <host:port> <model> <api key> <rows as JSON>
Prints one JSON object with what the server said to each call.
"""
import json
import sys

import numpy as np
import tritonclient.http as httpclient

url, model, key, rows_json = sys.argv[1:5]
rows = json.loads(rows_json)
# tritonclient writes Inference-Header-Content-Length into the headers dict it is given: a fresh
# dict per call keeps one request's length off the next.
def headers():
    return {"Authorization": f"Bearer {key}"}

client = httpclient.InferenceServerClient(url=url)

out = {
    "server": client.get_server_metadata(),
    "server_ready": client.is_server_ready(),
    "model_ready": client.is_model_ready(model, headers=headers()),
    "model": client.get_model_metadata(model, headers=headers()),
}


def tensors(binary):
    inputs = []
    for spec in out["model"]["inputs"]:
        column = spec["parameters"]["column"]
        values = [row.get(column) for row in rows]
        if spec["datatype"] == "BYTES":
            data = np.array([["" if v is None else str(v)] for v in values], dtype=object)
        else:
            data = np.array([[np.nan if v is None else float(v)] for v in values], dtype=np.float64)
        t = httpclient.InferInput(spec["name"], list(data.shape), spec["datatype"])
        t.set_data_from_numpy(data, binary_data=binary)
        inputs.append(t)
    return inputs


def answer(result):
    got = {}
    for spec in out["model"]["outputs"]:
        value = result.as_numpy(spec["name"])
        if value.dtype == object:
            value = np.array([v.decode() if isinstance(v, bytes) else v for v in value.ravel()])
        got[spec["name"]] = value.tolist()
    return got


# tritonclient's defaults: binary tensors both ways.
out["binary"] = answer(client.infer(model, tensors(True), headers=headers()))
requested = [httpclient.InferRequestedOutput(o["name"], binary_data=False) for o in out["model"]["outputs"]]
out["json"] = answer(client.infer(model, tensors(False), outputs=requested, headers=headers()))
try:
    client.infer("no-such-model", tensors(True), headers=headers())
    out["unknown_model"] = None
except Exception as e:  # tritonclient raises InferenceServerException with the server's message
    out["unknown_model"] = str(e)
print(json.dumps(out))
