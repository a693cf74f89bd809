"use client";

import { forwardRef } from "react";
import { Button } from "@/components/ui/button";

export const shortcuts: [string, string][] = [
  ["Ctrl/⌘ + Z", "Undo"],
  ["Shift + Ctrl/⌘ + Z, Ctrl + Y", "Redo"],
  ["Ctrl/⌘ + C / V", "Copy / paste the selected nodes"],
  ["Ctrl/⌘ + D", "Duplicate the selected nodes"],
  ["Delete, Backspace", "Delete the selection"],
  ["Shift + drag, Ctrl/⌘ + click", "Select several nodes"],
  ["Ctrl/⌘ + S", "Save a new version"],
  ["Enter (in the node search)", "Add the first match, after the selected node and connected"],
  ["Right-click", "A node's menu; on the canvas: add a note or a group"],
  ["Double-click a note", "Edit its Markdown (Escape keeps it)"],
  ["L", "Auto-layout"],
  ["F", "Fit the view"],
  ["?", "This help"],
];

export const HelpDialog = forwardRef<HTMLDialogElement>(function HelpDialog(_props, ref) {
  return (
    <dialog
      ref={ref}
      aria-labelledby="help-title"
      className="rounded-lg p-0 backdrop:bg-slate-900/30"
    >
      <div className="w-96 space-y-3 p-5">
        <h2 id="help-title" className="text-base font-semibold">
          Keyboard shortcuts
        </h2>
        <table className="w-full text-sm">
          <tbody>
            {shortcuts.map(([keys, what]) => (
              <tr key={keys} className="border-b border-slate-100">
                <td className="py-1 pr-3 font-mono text-xs">{keys}</td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="text-xs text-slate-500">
          While you type in a field or the code editor, keys are text: Ctrl/⌘ + Z, C and V act on
          the text, and only Ctrl/⌘ + S keeps its meaning.
        </p>
        <form method="dialog" className="flex justify-end">
          <Button size="sm" autoFocus>
            Close
          </Button>
        </form>
      </div>
    </dialog>
  );
});
