/**
 * What each column is for, chosen once (at the Split) and carried downstream in every dataset's
 * metadata: the label the models learn, ids and ignored columns that are never features. Fitted
 * prep steps leave these alone unless a column is named explicitly; trainers take the label from
 * here when their own is empty.
 */
export interface ColumnRoles {
  label?: string;
  ids: string[];
  ignored: string[];
}

export const noRoles: ColumnRoles = { ids: [], ignored: [] };

/** A dataset's recorded roles. */
export function rolesOf(metadata: unknown): ColumnRoles {
  const r = (metadata as { roles?: Partial<ColumnRoles> } | null)?.roles;
  return { label: r?.label || undefined, ids: r?.ids ?? [], ignored: r?.ignored ?? [] };
}

/** The columns that are not features: the label, ids and ignored ones. */
export const notFeatures = (roles: ColumnRoles): string[] => [
  ...(roles.label ? [roles.label] : []),
  ...roles.ids,
  ...roles.ignored,
];

/** The roles that still apply to a dataset with these columns. */
export function rolesFor(roles: ColumnRoles, columns: string[]): ColumnRoles {
  const has = new Set(columns);
  return {
    label: roles.label && has.has(roles.label) ? roles.label : undefined,
    ids: roles.ids.filter((c) => has.has(c)),
    ignored: roles.ignored.filter((c) => has.has(c)),
  };
}
