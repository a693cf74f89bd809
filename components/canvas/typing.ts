"use client";

import { useEffect, useState } from "react";

/**
 * Where keys are text, not commands: form fields, anything contenteditable or announced as a
 * text box, and the Monaco editor (whose input element is an EditContext `<div>`, neither a
 * textarea nor contenteditable). The canvas's shortcuts (ours and React Flow's) never act while
 * focus is in one of them.
 */
export const TEXT_SURFACE = [
  "input",
  "textarea",
  "select",
  '[contenteditable]:not([contenteditable="false"])',
  '[role="textbox"]',
  '[role="searchbox"]',
  '[role="combobox"]',
  ".monaco-editor",
  ".native-edit-context",
].join(",");

export function isTextSurface(el: EventTarget | null | undefined): boolean {
  return el instanceof Element && el.closest(TEXT_SURFACE) !== null;
}

/** The key goes to a text surface: its target (through shadow roots) or the focused element. */
export function isTyping(e: KeyboardEvent): boolean {
  return (
    isTextSurface(e.composedPath()[0]) ||
    isTextSurface(e.target) ||
    isTextSurface(document.activeElement)
  );
}

/**
 * Whether focus is in a text surface, updated as focus moves (a focus event's update is
 * committed before the next key arrives). The canvas turns React Flow's Space, Delete and
 * Backspace off while it is, wherever the surface is on the page.
 */
export function useTextFocus(): boolean {
  const [typing, setTyping] = useState(false);
  useEffect(() => {
    const onFocusIn = (e: FocusEvent) => setTyping(isTextSurface(e.composedPath()[0] ?? e.target));
    const onFocusOut = (e: FocusEvent) => setTyping(isTextSurface(e.relatedTarget));
    document.addEventListener("focusin", onFocusIn, true);
    document.addEventListener("focusout", onFocusOut, true);
    return () => {
      document.removeEventListener("focusin", onFocusIn, true);
      document.removeEventListener("focusout", onFocusOut, true);
    };
  }, []);
  return typing;
}
