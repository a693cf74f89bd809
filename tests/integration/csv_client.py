"""A client application calling a Flowforge endpoint with rows of the original CSV file.

It reads the file with Python's csv module, drops nothing but what the model's metadata does not
ask for (so the label and the ids stay home), and calls the endpoint three ways: /predict with
records (urllib, JSON), and /infer with NVIDIA's tritonclient[http] in JSON and in binary tensors.

usage: csv_client.py <host:port> <model> <api key> <csv file> <row positions as JSON>
Prints one JSON object: the model's metadata and each call's answers, row by row.
"""
import csv
import json
import sys
import urllib.request

import numpy as np
import tritonclient.http as httpclient

host, model, key, csv_path, positions_json = sys.argv[1:6]
positions = json.loads(positions_json)

with open(csv_path, newline="", encoding="utf-8-sig") as f:
    every = list(csv.DictReader(f))
rows = [every[p] for p in positions]


def headers():
    return {"Authorization": f"Bearer {key}"}


client = httpclient.InferenceServerClient(url=host)
meta = client.get_model_metadata(model, headers=headers())
inputs = meta["inputs"]


def value(spec, row):
    text = row.get(spec["parameters"]["column"])
    if text is None or text == "":
        return None
    return text if spec["datatype"] == "BYTES" else float(text)


records = [{spec["parameters"]["column"]: value(spec, row) for spec in inputs} for row in rows]
request = urllib.request.Request(
    f"http://{host}/v2/models/{model}/predict",
    data=json.dumps({"records": records}).encode(),
    headers={**headers(), "content-type": "application/json"},
)
with urllib.request.urlopen(request) as response:
    predicted = json.loads(response.read())["predictions"]


def tensors(binary):
    out = []
    for spec in inputs:
        values = [value(spec, row) for row in rows]
        if spec["datatype"] == "BYTES":
            data = np.array([["" if v is None else v] for v in values], dtype=object)
        else:
            data = np.array([[np.nan if v is None else v] for v in values], dtype=np.float64)
        t = httpclient.InferInput(spec["name"], list(data.shape), spec["datatype"])
        t.set_data_from_numpy(data, binary_data=binary)
        out.append(t)
    return out


def answer(result):
    got = {}
    for spec in meta["outputs"]:
        v = result.as_numpy(spec["name"])
        if v.dtype == object:
            v = np.array([x.decode() if isinstance(x, bytes) else x for x in v.ravel()])
        got[spec["name"]] = v.tolist()
    return got


binary = answer(client.infer(model, tensors(True), headers=headers()))
requested = [httpclient.InferRequestedOutput(o["name"], binary_data=False) for o in meta["outputs"]]
as_json = answer(client.infer(model, tensors(False), outputs=requested, headers=headers()))
print(json.dumps({"model": meta, "predict": predicted, "binary": binary, "json": as_json}))
