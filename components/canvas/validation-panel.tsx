"use client";

import { useEditor } from "./store";

export function ValidationPanel({ onFocus }: { onFocus: (nodeId: string) => void }) {
  const errors = useEditor((s) => s.errors);
  const notes = useEditor((s) => s.notes);
  return (
    <section
      aria-label="Validation"
      className="max-h-40 overflow-y-auto border-t border-slate-200 bg-white px-3 py-2 text-xs"
    >
      {errors.length === 0 ? (
        <p className="text-emerald-700" data-testid="validation-ok">
          ✓ The pipeline is valid.
        </p>
      ) : (
        <>
          <h2 className="mb-1 font-semibold text-rose-700">
            {errors.length} problem{errors.length === 1 ? "" : "s"}
          </h2>
          <ul className="space-y-0.5">
            {errors.map((e, i) => (
              <li key={i}>
                {e.nodeId ? (
                  <button
                    type="button"
                    className="text-left text-rose-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500"
                    onClick={() => onFocus(e.nodeId!)}
                  >
                    {e.message}
                  </button>
                ) : (
                  <span className="text-rose-800">{e.message}</span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {notes.length > 0 && (
        <ul className="mt-1 space-y-0.5" aria-label="Endpoint notes">
          {notes.map((n) => (
            <li key={n.nodeId}>
              <button
                type="button"
                className="text-left text-amber-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500"
                onClick={() => onFocus(n.nodeId!)}
              >
                ⓘ {n.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
