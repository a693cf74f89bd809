export { approveStepSignal, runPipeline, runStatusQuery } from "./run-pipeline";
export { runActivity } from "./run-activity";
