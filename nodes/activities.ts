import type { NodeActivity } from "./activity-types";
import type { NodeType } from "./index";
import { internalNoopActivity } from "./internal-noop/activity";
import { internalNumbersActivity } from "./internal-numbers/activity";
import { internalSleepActivity } from "./internal-sleep/activity";
import { internalSumActivity } from "./internal-sum/activity";

/** Implementations, server-only. `satisfies` makes a missing or extra implementation a type error. */
export const nodeActivities = {
  "internal.numbers": internalNumbersActivity,
  "internal.sum": internalSumActivity,
  "internal.sleep": internalSleepActivity,
  "internal.noop": internalNoopActivity,
} satisfies Record<NodeType, NodeActivity>;
