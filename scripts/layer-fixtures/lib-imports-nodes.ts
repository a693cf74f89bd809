import { nodeDefinitions } from "../../nodes/index";

export const n = Object.keys(nodeDefinitions).length;
