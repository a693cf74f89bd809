/** Run statuses a run can still leave: it is live, so pages poll it and Cancel applies. */
export const liveRunStatuses: ReadonlySet<string> = new Set([
  "queued",
  "running",
  "awaiting_approval",
]);

/** Run statuses, in the order filters and legends list them. */
export const runStatusList = [
  "queued",
  "running",
  "awaiting_approval",
  "succeeded",
  "failed",
  "rejected",
  "cancelled",
] as const;
