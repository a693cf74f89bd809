"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";
import { Button } from "@/components/ui/button";

type Row = Record<string, string | number | null>;

const KEY = "<your API key>";

/** The three ways to call an endpoint, each with the example row. */
function snippets(origin: string, name: string, row: Row) {
  const url = `${origin}/v2/models/${name}`;
  const records = JSON.stringify({ records: [row] });
  const pyRow = JSON.stringify(row, null, 1)
    .replace(/\bnull\b/g, "None")
    .replace(/\n\s*/g, " ");
  return {
    curl: `curl -s ${url}/predict \\\n  -H "Authorization: Bearer ${KEY}" \\\n  -H "Content-Type: application/json" \\\n  -d '${records.replace(/'/g, "'\\''")}'`,
    python: `import requests\n\nrow = ${pyRow}\nr = requests.post(\n    "${url}/predict",\n    headers={"Authorization": "Bearer ${KEY}"},\n    json={"records": [row]},\n)\nprint(r.json()["predictions"][0])`,
    oip: `import numpy as np\nimport tritonclient.http as oip  # pip install "tritonclient[http]"\n\nclient = oip.InferenceServerClient(url="${origin.replace(/^https?:\/\//, "")}"${origin.startsWith("https") ? ", ssl=True" : ""})\nrow = ${pyRow}\ninputs = []\nfor spec in client.get_model_metadata("${name}", headers={"Authorization": "Bearer ${KEY}"})["inputs"]:\n    value = row[spec["parameters"]["column"]]\n    if spec["datatype"] == "BYTES":\n        data = np.array([["" if value is None else str(value)]], dtype=object)\n    else:\n        data = np.array([[np.nan if value is None else float(value)]])\n    tensor = oip.InferInput(spec["name"], [1, 1], spec["datatype"])\n    tensor.set_data_from_numpy(data)\n    inputs.append(tensor)\nresult = client.infer("${name}", inputs, headers={"Authorization": "Bearer ${KEY}"})\nprint({o["name"]: result.as_numpy(o["name"]) for o in result.get_response()["outputs"]})`,
  };
}

function Snippet({ title, text }: { title: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <figure className="space-y-1">
      <figcaption className="flex items-center justify-between text-xs font-medium text-slate-600">
        {title}
        <Button
          size="sm"
          variant="secondary"
          onClick={() =>
            void navigator.clipboard.writeText(text).then(() => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            })
          }
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </figcaption>
      <pre className="overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">{text}</pre>
    </figure>
  );
}

/**
 * How to call an endpoint, on its page: the inputs a caller sends (the training file's columns,
 * less the label and ids), examples built from a real training row, a form to try it, and a new
 * key for those who may deploy to its alias.
 */
export function EndpointUsage({ deploymentId }: { deploymentId: string }) {
  const trpc = useTRPC();
  const usage = useQuery(trpc.deployments.usage.queryOptions({ deploymentId }));
  const rotate = useMutation(trpc.deployments.rotateKey.mutationOptions());
  const [confirming, setConfirming] = useState(false);
  const [key, setKey] = useState("");
  const [values, setValues] = useState<Record<string, string> | null>(null);
  const [answer, setAnswer] = useState<{ status: number; body: string } | null>(null);
  const [keyCreatedAt, setKeyCreatedAt] = useState<number | null>(null);
  if (usage.isPending) return <p className="text-sm text-slate-500">Loading the endpoint…</p>;
  if (usage.isError) return <p className="text-sm text-rose-700">{usage.error.message}</p>;
  const u = usage.data;
  const example: Row = u.example ?? Object.fromEntries(u.inputs.map((i) => [i.column, null]));
  const form =
    values ?? Object.fromEntries(u.inputs.map((i) => [i.column, String(example[i.column] ?? "")]));
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const code = snippets(origin, u.name, example);
  const send = async () => {
    const row = Object.fromEntries(
      u.inputs.map((i) => {
        const v = form[i.column] ?? "";
        return [i.column, v === "" ? null : i.type === "double" ? Number(v) : v];
      }),
    );
    const call = () =>
      fetch(`/v2/models/${u.name}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ records: [row] }),
      });
    let r = await call();
    // A key created here reaches the serving processes on their next refresh, within seconds.
    while (r.status === 403 && keyCreatedAt && Date.now() - keyCreatedAt < 20_000) {
      setAnswer({ status: 0, body: "the new key is reaching the endpoint…" });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      r = await call();
    }
    setAnswer({ status: r.status, body: JSON.stringify(await r.json(), null, 2) });
  };
  return (
    <section className="space-y-4" aria-label="How to call this endpoint">
      <h2 className="text-lg font-semibold">How to call {u.name}</h2>
      <p className="text-sm text-slate-600">
        Send rows as they are in the training file: one value per input below (missing values as
        null). The model predicts <strong>{u.label}</strong> ({u.task}
        {u.classes ? `: ${u.classes.join(", ")}` : ""}); it does not take the label or id columns.
      </p>
      {u.rowSteps.length > 0 && (
        <p className="text-sm text-slate-600" data-testid="row-steps">
          On each request the endpoint first runs the pipeline&apos;s row steps (
          {u.rowSteps.join(", ")}), then the model.
        </p>
      )}
      {u.startsAfter && (
        <p className="text-sm text-amber-800">
          The inputs are the output of {u.startsAfter}, which an endpoint cannot run on each
          request: send its columns, not the original file&apos;s.
        </p>
      )}
      <table className="text-sm" aria-label="Inputs">
        <thead>
          <tr className="text-left text-slate-500">
            <th className="pr-6">column</th>
            <th className="pr-6">type</th>
            <th className="pr-6">OIP input</th>
            <th>example</th>
          </tr>
        </thead>
        <tbody>
          {u.inputs.map((i) => (
            <tr key={i.name}>
              <td className="pr-6 font-mono">{i.column}</td>
              <td className="pr-6">{i.type === "string" ? "text" : "number"}</td>
              <td className="pr-6 font-mono text-xs">
                {i.name} · {i.type === "string" ? "BYTES" : "FP64"} [N, 1]
              </td>
              <td className="font-mono">{JSON.stringify(example[i.column] ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <div className="space-y-2 rounded border border-slate-200 p-3">
        <h3 className="font-medium">API key</h3>
        {rotate.data ? (
          <p
            className="rounded border border-amber-300 bg-amber-50 p-2 text-sm"
            data-testid="api-key"
          >
            New key (shown once, the old one no longer works):{" "}
            <code className="font-mono">{rotate.data.apiKey}</code>
          </p>
        ) : confirming ? (
          <div className="flex flex-wrap items-center gap-2 text-sm" role="alertdialog">
            <span>A new key retires the current one: callers using it will be refused.</span>
            <Button
              size="sm"
              variant="danger"
              onClick={() =>
                rotate.mutate(
                  { deploymentId },
                  {
                    onSuccess: ({ apiKey }) => {
                      setConfirming(false);
                      setKey(apiKey);
                      setKeyCreatedAt(Date.now());
                    },
                  },
                )
              }
            >
              Create new key
            </Button>
            <Button size="sm" variant="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        ) : (
          <Button size="sm" variant="secondary" onClick={() => setConfirming(true)}>
            New API key…
          </Button>
        )}
        {rotate.error && <p className="text-sm text-rose-700">{rotate.error.message}</p>}
      </div>

      <div className="space-y-3">
        <Snippet title="curl" text={code.curl} />
        <Snippet title="Python (requests)" text={code.python} />
        <Snippet title="Open Inference Protocol (tritonclient)" text={code.oip} />
      </div>

      <form
        className="space-y-2 rounded border border-slate-200 p-3"
        aria-label="Try it"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <h3 className="font-medium">Try it</h3>
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
          {u.inputs.map((i) => (
            <label key={i.name} className="flex flex-col text-sm">
              <span className="font-mono text-xs text-slate-600">{i.column}</span>
              <input
                className="rounded border border-slate-300 px-2 py-1"
                inputMode={i.type === "double" ? "decimal" : "text"}
                value={form[i.column] ?? ""}
                onChange={(e) => setValues({ ...form, [i.column]: e.target.value })}
              />
            </label>
          ))}
        </div>
        <label className="flex flex-col text-sm">
          <span className="text-xs text-slate-600">API key</span>
          <input
            className="rounded border border-slate-300 px-2 py-1 font-mono"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        <Button type="submit" size="sm" disabled={!key}>
          Send
        </Button>
        {answer && (
          <pre
            className={`overflow-x-auto rounded p-2 text-xs ${answer.status === 200 ? "bg-emerald-50" : answer.status === 0 ? "bg-slate-50" : "bg-rose-50"}`}
            data-testid="try-answer"
          >
            {answer.status || ""} {answer.body}
          </pre>
        )}
      </form>
    </section>
  );
}
