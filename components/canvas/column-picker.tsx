"use client";

import { useCombobox, useMultipleSelection } from "downshift";
import { useState } from "react";
import { cn } from "@/components/ui/cn";

interface FieldIds {
  /** The input's id: the form's <label> points at it. */
  id: string;
  labelId: string;
  describedBy?: string;
  invalid?: boolean;
}

const matching = (options: string[], typed: string) => {
  const q = typed.trim().toLowerCase();
  if (!q) return options;
  const starts = options.filter((o) => o.toLowerCase().startsWith(q));
  return [...starts, ...options.filter((o) => !starts.includes(o) && o.toLowerCase().includes(q))];
};

const inputClass = (invalid?: boolean) =>
  cn(
    "w-full rounded border px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500",
    invalid ? "border-rose-400" : "border-slate-300",
  );

function Menu({
  open,
  items,
  highlighted,
  menuProps,
  itemProps,
  empty,
}: {
  open: boolean;
  items: string[];
  highlighted: number;
  menuProps: object;
  itemProps: (item: string, index: number) => object;
  empty: string;
}) {
  return (
    <ul
      {...menuProps}
      className={cn(
        "absolute z-20 mt-0.5 max-h-52 w-full overflow-y-auto rounded border border-slate-200 bg-white py-0.5 text-sm shadow-lg",
        !open && "hidden",
      )}
    >
      {open &&
        items.map((item, index) => (
          <li
            key={item}
            {...itemProps(item, index)}
            className={cn("cursor-pointer px-2 py-0.5", highlighted === index && "bg-sky-100")}
          >
            {item}
          </li>
        ))}
      {open && items.length === 0 && <li className="px-2 py-0.5 text-slate-500">{empty}</li>}
    </ul>
  );
}

/**
 * One column, searched by typing: the list narrows to the columns that start with (then contain)
 * what is typed; Enter or a click picks one. What is typed but not picked is not the value.
 */
export function ColumnCombobox({
  field,
  value,
  columns,
  onChange,
}: {
  field: FieldIds;
  value: string;
  columns: string[];
  onChange: (column: string | undefined) => void;
}) {
  const [typed, setTyped] = useState(value);
  const items = matching(columns, typed === value ? "" : typed);
  const box = useCombobox({
    items,
    inputId: field.id,
    labelId: field.labelId,
    inputValue: typed,
    selectedItem: value || null,
    // The best match is highlighted: Enter after a few letters picks it.
    defaultHighlightedIndex: 0,
    // Escape closes the list and keeps the column (downshift's default clears it).
    stateReducer: (state, { type, changes }) =>
      type === useCombobox.stateChangeTypes.InputKeyDownEscape
        ? { ...changes, selectedItem: state.selectedItem, inputValue: value }
        : changes,
    onInputValueChange: ({ inputValue }) => setTyped(inputValue),
    onSelectedItemChange: ({ selectedItem }) => onChange(selectedItem ?? undefined),
    onIsOpenChange: ({ isOpen }) => {
      // Closing without a choice shows the value again.
      if (!isOpen) setTyped(value);
    },
  });
  const unknown = value !== "" && !columns.includes(value);
  return (
    <div className="relative">
      <input
        {...box.getInputProps({
          "aria-describedby": field.describedBy,
          "aria-invalid": field.invalid || undefined,
          // What is typed replaces the value: the whole text is selected. (A click opens the
          // list, typing or ArrowDown too.)
          onFocus: (e) => e.currentTarget.select(),
          // The text follows each key at once: downshift reports it a render later, and fast
          // typing would lose keys in between.
          onChange: (e) => setTyped(e.currentTarget.value),
        })}
        placeholder="choose a column"
        className={cn(inputClass(field.invalid), unknown && "text-rose-700")}
      />
      <Menu
        open={box.isOpen}
        items={items}
        highlighted={box.highlightedIndex}
        menuProps={box.getMenuProps({
          "aria-labelledby": undefined,
          "aria-label": "Column choices",
        })}
        itemProps={(item, index) => box.getItemProps({ item, index })}
        empty="No column matches."
      />
    </div>
  );
}

/**
 * A list of values as tags: type and press Enter (or comma) to add one, Backspace in the empty
 * box removes the last, × removes any. With `suggestions` (the input's columns) the box is a
 * search of them and a value they lack is marked; without, any text is a value.
 */
export function TagInput({
  field,
  value,
  suggestions,
  onChange,
  placeholder,
}: {
  field: FieldIds;
  value: string[];
  suggestions?: string[];
  onChange: (values: string[]) => void;
  placeholder?: string;
}) {
  const [typed, setTyped] = useState("");
  const multi = useMultipleSelection<string>({
    selectedItems: value,
    onSelectedItemsChange: ({ selectedItems }) => onChange(selectedItems),
  });
  const items = suggestions ? matching(suggestions, typed).filter((s) => !value.includes(s)) : [];
  const add = (item: string) => {
    const v = item.trim();
    if (v && !value.includes(v)) onChange([...value, v]);
    setTyped("");
  };
  const box = useCombobox<string>({
    items,
    inputId: field.id,
    labelId: field.labelId,
    inputValue: typed,
    selectedItem: null,
    defaultHighlightedIndex: suggestions ? 0 : -1,
    stateReducer: (_state, { type, changes }) => {
      // The menu stays open after a pick: the next column is one Enter away.
      if (
        type === useCombobox.stateChangeTypes.InputKeyDownEnter ||
        type === useCombobox.stateChangeTypes.ItemClick
      )
        return { ...changes, isOpen: true, inputValue: "" };
      return changes;
    },
    onInputValueChange: ({ inputValue }) => setTyped(inputValue),
    onStateChange: ({ type, selectedItem }) => {
      if (
        (type === useCombobox.stateChangeTypes.InputKeyDownEnter ||
          type === useCombobox.stateChangeTypes.ItemClick) &&
        selectedItem
      )
        add(selectedItem);
    },
  });
  return (
    <div className="relative">
      <div
        className={cn(
          "flex flex-wrap items-center gap-1 rounded border px-1 py-0.5 focus-within:outline-2 focus-within:outline-sky-500",
          field.invalid ? "border-rose-400" : "border-slate-300",
        )}
      >
        {value.map((item, index) => {
          const unknown = suggestions !== undefined && !suggestions.includes(item);
          return (
            <span
              key={item}
              {...multi.getSelectedItemProps({ selectedItem: item, index })}
              data-tag={item}
              title={unknown ? `The input has no column "${item}"` : undefined}
              className={cn(
                "flex items-center gap-0.5 rounded px-1.5 py-0.5 text-xs focus:outline-2 focus:outline-sky-500",
                unknown ? "bg-rose-100 text-rose-800" : "bg-sky-100 text-sky-900",
              )}
            >
              {item}
              <button
                type="button"
                aria-label={`Remove ${item}`}
                className="ml-0.5 text-slate-500 hover:text-slate-900"
                onClick={(e) => {
                  e.stopPropagation();
                  multi.removeSelectedItem(item);
                }}
              >
                ×
              </button>
            </span>
          );
        })}
        <input
          {...box.getInputProps({
            ...multi.getDropdownProps({ preventKeyAction: box.isOpen }),
            "aria-describedby": field.describedBy,
            "aria-invalid": field.invalid || undefined,
            onChange: (e) => setTyped(e.currentTarget.value),
            onKeyDown: (e) => {
              // Backspace in the empty box removes the last tag (with the list open or not).
              if (e.key === "Backspace" && e.currentTarget.value === "" && value.length) {
                e.preventDefault();
                (
                  e.nativeEvent as KeyboardEvent & { preventDownshiftDefault?: boolean }
                ).preventDownshiftDefault = true;
                onChange(value.slice(0, -1));
                return;
              }
              // Free text (no suggestions, or none highlighted): Enter or a comma adds what is typed.
              const free = !suggestions || box.highlightedIndex < 0 || items.length === 0;
              if ((e.key === "Enter" || e.key === ",") && free) {
                e.preventDefault();
                (
                  e.nativeEvent as KeyboardEvent & { preventDownshiftDefault?: boolean }
                ).preventDownshiftDefault = true;
                const text = e.currentTarget.value;
                if (!suggestions || suggestions.includes(text.trim())) add(text);
              }
            },
          })}
          placeholder={
            value.length
              ? ""
              : (placeholder ?? (suggestions ? "search columns" : "type, then Enter"))
          }
          className="min-w-24 flex-1 bg-transparent px-1 py-0.5 text-sm focus:outline-none"
        />
      </div>
      {suggestions && (
        <Menu
          open={box.isOpen}
          items={items}
          highlighted={box.highlightedIndex}
          menuProps={box.getMenuProps({
            "aria-labelledby": undefined,
            "aria-label": "Column choices",
          })}
          itemProps={(item, index) => box.getItemProps({ item, index })}
          empty={
            value.length === suggestions.length ? "Every column is chosen." : "No column matches."
          }
        />
      )}
    </div>
  );
}
