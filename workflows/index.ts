export { runPipeline, runStatusQuery } from "./run-pipeline";
