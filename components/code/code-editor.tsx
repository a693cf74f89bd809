"use client";

import { useEffect, useRef, useState } from "react";
import { declaredParamsDts, STEP_SDK_DTS } from "./sdk-types";

type Monaco = typeof import("monaco-editor");

let loading: Promise<Monaco> | undefined;

/**
 * Monaco from the app's own bundle (no CDN), loaded on first use. Workers are bundled too: the
 * TypeScript worker gives diagnostics and completion against the step SDK's types.
 */
function loadMonaco(): Promise<Monaco> {
  loading ??= (async () => {
    (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
      getWorker(_id: string, label: string) {
        if (label === "typescript" || label === "javascript")
          return new Worker(
            new URL("monaco-editor/language/typescript/ts.worker.js", import.meta.url),
            { type: "module" },
          );
        return new Worker(new URL("monaco-editor/editor/editor.worker.js", import.meta.url), {
          type: "module",
        });
      },
    };
    const monaco = await import("monaco-editor");
    const ts = monaco.typescript;
    ts.typescriptDefaults.setCompilerOptions({
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.ESNext,
      strict: true,
      noEmit: true,
      allowNonTsExtensions: true,
    });
    ts.typescriptDefaults.setDiagnosticsOptions({
      noSemanticValidation: false,
      noSyntaxValidation: false,
    });
    ts.typescriptDefaults.addExtraLib(STEP_SDK_DTS, "file:///flowforge-sdk.d.ts");
    return monaco;
  })();
  return loading;
}

export type CodeEditorProps = {
  value: string;
  language: "typescript" | "python";
  readOnly?: boolean;
  label: string;
  onChange?: (value: string) => void;
  /** Ctrl/Cmd+S: the document is formatted first (TypeScript), then handed over. */
  onSave?: (value: string) => void;
  height?: number;
  /** Errors of the code's last run, each on its line. */
  problems?: { line: number; message: string }[];
};

export function CodeEditor({
  value,
  language,
  readOnly = false,
  label,
  onChange,
  onSave,
  height = 320,
  problems,
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<import("monaco-editor").editor.IStandaloneCodeEditor | null>(null);
  const monacoRef = useRef<typeof import("monaco-editor") | null>(null);
  const [ready, setReady] = useState(false);
  const handlers = useRef({ onChange, onSave });
  handlers.current = { onChange, onSave };

  useEffect(() => {
    let disposed = false;
    let markerListener: { dispose(): void } | undefined;
    void loadMonaco().then((monaco) => {
      if (disposed || !host.current) return;
      const e = monaco.editor.create(host.current, {
        value,
        language,
        readOnly,
        ariaLabel: label,
        automaticLayout: true,
        minimap: { enabled: false },
        fontSize: 12,
        lineNumbers: "on",
        scrollBeyondLastLine: false,
        tabSize: language === "python" ? 4 : 2,
        formatOnPaste: true,
      });
      editor.current = e;
      monacoRef.current = monaco;
      // The code's @param lines type ctx.params; one TypeScript editor is editable at a time.
      const typeParams = () => {
        if (language === "typescript" && !readOnly)
          monaco.typescript.typescriptDefaults.addExtraLib(
            declaredParamsDts(e.getValue()),
            "file:///flowforge-params.d.ts",
          );
      };
      typeParams();
      e.onDidChangeModelContent(() => {
        typeParams();
        handlers.current.onChange?.(e.getValue());
      });
      e.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => {
        void (async () => {
          if (language === "typescript") await e.getAction("editor.action.formatDocument")?.run();
          handlers.current.onSave?.(e.getValue());
        })();
      });
      const markers = () => {
        const model = e.getModel();
        const list = model ? monaco.editor.getModelMarkers({ resource: model.uri }) : [];
        host.current?.setAttribute("data-diagnostics", String(list.length));
        host.current?.setAttribute(
          "title",
          list.map((m) => `line ${m.startLineNumber}: ${m.message}`).join("\n"),
        );
      };
      markerListener = monaco.editor.onDidChangeMarkers(markers);
      host.current.setAttribute("data-ready", "true");
      setReady(true);
    });
    return () => {
      disposed = true;
      markerListener?.dispose();
      // The editor lets go of its model first: a model disposed while attached makes Monaco's
      // listeners throw ("Model is disposed!").
      const model = editor.current?.getModel();
      editor.current?.dispose();
      model?.dispose();
      editor.current = null;
    };
    // The editor is created once per language and mode; value changes flow in below.
  }, [language, readOnly]);

  useEffect(() => {
    const e = editor.current;
    if (e && e.getValue() !== value) e.setValue(value);
  }, [value]);

  // The last run's errors, on their lines (beside the language's own diagnostics).
  const problemKey = JSON.stringify(problems ?? []);
  useEffect(() => {
    const model = editor.current?.getModel();
    const monaco = monacoRef.current;
    if (!ready || !model || !monaco) return;
    const list = JSON.parse(problemKey) as { line: number; message: string }[];
    monaco.editor.setModelMarkers(
      model,
      "flowforge-run",
      list
        .filter((p) => p.line >= 1 && p.line <= model.getLineCount())
        .map((p) => ({
          startLineNumber: p.line,
          endLineNumber: p.line,
          startColumn: model.getLineFirstNonWhitespaceColumn(p.line) || 1,
          endColumn: model.getLineMaxColumn(p.line),
          message: p.message,
          severity: monaco.MarkerSeverity.Error,
          source: "last run",
        })),
    );
  }, [ready, problemKey]);

  return (
    <div
      ref={host}
      data-testid="code-editor"
      data-language={language}
      className="overflow-hidden rounded border border-slate-300"
      style={{ height }}
    />
  );
}
