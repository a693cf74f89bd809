import { compilePipeline } from "../../server/compiler/compile";

export const compile = compilePipeline;
