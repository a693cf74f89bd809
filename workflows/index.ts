export { approveStepSignal, runPipeline, runStatusQuery } from "./run-pipeline";
