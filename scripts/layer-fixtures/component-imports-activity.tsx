import { nodeImplementations } from "@/nodes/activities";

export const impls = nodeImplementations;
