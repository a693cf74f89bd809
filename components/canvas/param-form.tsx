"use client";

import { ColumnCombobox, TagInput } from "./column-picker";
import { useState } from "react";
import { z } from "zod";
import type { NodeDefinition } from "@/nodes/types";
import { CodeEditor } from "@/components/code/code-editor";
import { describeIssues } from "@/common/pipeline/validate";

/** Dispatched on window when a code editor asks for the pipeline to be saved. */
export const SAVE_EVENT = "flowforge:save";

interface FieldSchema {
  type?: string;
  items?: { type?: string };
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  default?: unknown;
  label?: string;
  help?: string;
  widget?: string;
  language?: string;
  description?: string;
}

const schemaCache = new WeakMap<
  object,
  { properties: Record<string, FieldSchema>; required: string[] }
>();

/** The node's zod params as JSON Schema; its meta (label, help, widget) drives each field. */
function fieldsOf(def: Pick<NodeDefinition, "params">) {
  let cached = schemaCache.get(def.params);
  if (!cached) {
    const json = z.toJSONSchema(def.params, { io: "input", unrepresentable: "any" }) as {
      properties?: Record<string, FieldSchema>;
      required?: string[];
    };
    cached = { properties: json.properties ?? {}, required: json.required ?? [] };
    schemaCache.set(def.params, cached);
  }
  return cached;
}

const text = (v: unknown): string =>
  v === undefined || v === null
    ? ""
    : typeof v === "string" || typeof v === "number" || typeof v === "boolean"
      ? String(v)
      : JSON.stringify(v);

const humanize = (key: string) =>
  key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

export function ParamForm({
  def,
  nodeId,
  params,
  onChange,
  columns,
  hidden = [],
  codeProblems,
}: {
  /** The last run's errors in the node's code, by line. */
  codeProblems?: { line: number; message: string }[];
  def: Pick<NodeDefinition, "params">;
  nodeId: string;
  params: Record<string, unknown>;
  onChange: (params: Record<string, unknown>) => void;
  /** The upstream dataset's columns, once a run has produced it. */
  columns?: string[];
  /** Params drawn elsewhere (a code node's declared params have their own form). */
  hidden?: string[];
}) {
  const { properties } = fieldsOf(def);
  // The validator's words ("Trees: must be a whole number from 1 to 10,000"), under the field.
  const messages: Record<string, string> = {};
  for (const issue of describeIssues(def.params, params))
    messages[issue.path.split(".")[0]!] ??= issue.message;
  const set = (key: string, value: unknown) => {
    const next = { ...params };
    if (value === undefined) delete next[key];
    else next[key] = value;
    onChange(next);
  };
  const keys = Object.keys(properties).filter((k) => !hidden.includes(k));
  if (keys.length === 0)
    return <p className="text-xs text-slate-500">This node has no parameters.</p>;

  return (
    <div className="space-y-3">
      {keys.map((key) => {
        const f = properties[key]!;
        const inputId = `param-${nodeId}-${key}`;
        const label = f.label ?? humanize(key);
        const help = f.help ?? f.description;
        const value = params[key] ?? f.default;
        const error = messages[key];
        const common = {
          id: inputId,
          "aria-invalid": error ? true : undefined,
          "aria-describedby": error ? `${inputId}-error` : help ? `${inputId}-help` : undefined,
          className: `w-full rounded border px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500 ${error ? "border-rose-400" : "border-slate-300"}`,
        };
        const field = {
          id: inputId,
          labelId: `${inputId}-label`,
          describedBy: common["aria-describedby"],
          invalid: Boolean(error),
        };
        let control;
        if (f.enum) {
          control = (
            <select
              {...common}
              value={text(value)}
              onChange={(e) =>
                set(
                  key,
                  f.enum!.find((o) => String(o) === e.target.value),
                )
              }
            >
              {f.enum.map((o) => (
                <option key={String(o)} value={String(o)}>
                  {String(o)}
                </option>
              ))}
            </select>
          );
        } else if (f.type === "boolean") {
          control = (
            <input
              {...common}
              type="checkbox"
              className="h-4 w-4"
              checked={value === true}
              onChange={(e) => set(key, e.target.checked)}
            />
          );
        } else if (f.type === "number" || f.type === "integer") {
          control = (
            <input
              {...common}
              type="number"
              min={f.minimum}
              max={f.maximum}
              step={f.type === "integer" ? 1 : "any"}
              value={typeof value === "number" ? value : text(value)}
              onChange={(e) =>
                set(
                  key,
                  e.target.value === ""
                    ? undefined
                    : Number.isNaN(e.target.valueAsNumber)
                      ? e.target.value
                      : e.target.valueAsNumber,
                )
              }
            />
          );
        } else if (f.widget === "upload") {
          control = <UploadField inputId={inputId} value={value} onChange={(v) => set(key, v)} />;
        } else if (f.widget === "column" && columns) {
          control = (
            <ColumnCombobox
              field={field}
              value={text(value)}
              columns={columns}
              onChange={(v) => set(key, v)}
            />
          );
        } else if (f.widget === "columns" || (f.type === "array" && f.items?.type === "string")) {
          // Tags: searched from the input's columns once they are known, free text before.
          control = (
            <TagInput
              field={field}
              value={Array.isArray(value) ? value.map(String) : []}
              suggestions={f.widget === "columns" ? columns : undefined}
              onChange={(v) => set(key, v)}
            />
          );
        } else if (f.widget === "json" || f.type === "array" || f.type === "object") {
          control = <JsonField common={common} value={value} onChange={(v) => set(key, v)} />;
        } else if (f.widget === "code") {
          // `nokey`: React Flow leaves the keys typed here (Space, Backspace, Delete) to the editor.
          control = (
            <div className="nokey">
              <CodeEditor
                value={text(value)}
                language={f.language === "python" ? "python" : "typescript"}
                label={label}
                onChange={(v) => set(key, v)}
                problems={codeProblems}
                onSave={(v) => {
                  set(key, v);
                  // The page saves the pipeline on Ctrl/Cmd+S; the editor keeps the keys to itself.
                  window.dispatchEvent(new Event(SAVE_EVENT));
                }}
              />
            </div>
          );
        } else if (f.widget === "textarea") {
          control = (
            <textarea
              {...common}
              rows={4}
              value={text(value)}
              onChange={(e) => set(key, e.target.value)}
            />
          );
        } else {
          control = (
            <input
              {...common}
              type="text"
              maxLength={f.maxLength}
              value={text(value)}
              onChange={(e) => set(key, e.target.value)}
            />
          );
        }
        return (
          <div key={key}>
            <label
              id={`${inputId}-label`}
              htmlFor={inputId}
              className="mb-0.5 block text-xs font-medium text-slate-700"
            >
              {label}
              {(f.minimum !== undefined && Math.abs(f.minimum) < 1e15) ||
              (f.maximum !== undefined && Math.abs(f.maximum) < 1e15) ? (
                <span className="ml-1 font-normal text-slate-400">
                  ({f.minimum !== undefined && Math.abs(f.minimum) < 1e15 ? f.minimum : "−∞"} to{" "}
                  {f.maximum !== undefined && Math.abs(f.maximum) < 1e15 ? f.maximum : "∞"})
                </span>
              ) : null}
            </label>
            {control}
            {error ? (
              <p id={`${inputId}-error`} role="alert" className="mt-0.5 text-xs text-rose-700">
                {error}
              </p>
            ) : help ? (
              <p id={`${inputId}-help`} className="mt-0.5 text-xs text-slate-500">
                {help}
              </p>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}

/** Structured params as JSON text; what does not parse stays as typed, and zod says why. */
function JsonField({
  common,
  value,
  onChange,
}: {
  common: Record<string, unknown>;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (value === undefined ? "" : JSON.stringify(value, null, 1));
  return (
    <textarea
      {...common}
      rows={4}
      spellCheck={false}
      className={`${String(common.className)} font-mono text-xs`}
      value={shown}
      onChange={(e) => {
        setDraft(e.target.value);
        try {
          onChange(JSON.parse(e.target.value) as unknown);
        } catch {
          onChange(e.target.value);
        }
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

const CHUNK_BYTES = 8 * 1024 * 1024;

async function api<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** Uploads in 8 MB chunks, each at the offset the server confirmed; shows progress and errors. */
function UploadField({
  inputId,
  value,
  onChange,
}: {
  inputId: string;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current =
    value && typeof value === "object" && "filename" in value ? String(value.filename) : null;
  const upload = async (file: File) => {
    setError(null);
    setProgress(0);
    try {
      const { id } = await api<{ id: string }>("/api/uploads", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ filename: file.name, size: file.size }),
      });
      for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
        await api(`/api/uploads/${id}`, {
          method: "PUT",
          headers: { "upload-offset": String(offset) },
          body: file.slice(offset, offset + CHUNK_BYTES),
        });
        setProgress(Math.min(1, (offset + CHUNK_BYTES) / file.size));
      }
      const done = await api<{ hash: string; filename: string }>(`/api/uploads/${id}/complete`, {
        method: "POST",
      });
      onChange({ hash: done.hash, filename: done.filename });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setProgress(null);
    }
  };
  return (
    <div className="space-y-1">
      <input
        id={inputId}
        type="file"
        accept=".csv,.tsv,.tab,.parquet,.jsonl,.ndjson,text/csv"
        className="block w-full text-xs"
        data-testid="upload-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void upload(file);
        }}
      />
      {progress !== null && (
        <p className="text-xs text-slate-500">Uploading… {Math.round(progress * 100)}%</p>
      )}
      {current && progress === null && (
        <p className="text-xs text-slate-600" data-testid="uploaded-file">
          {current}
        </p>
      )}
      {error && (
        <p role="alert" className="text-xs text-rose-700">
          {error}
        </p>
      )}
    </div>
  );
}
