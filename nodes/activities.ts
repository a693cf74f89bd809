import type { StepContext } from "./sdk/context";
import type { NodeImplementation } from "./sdk/define";
import type { NodeType } from "./index";
import { ingestFileActivity } from "./ingest-file/activity";
import { ingestPostgresActivity } from "./ingest-postgres/activity";
import { ingestSampleActivity } from "./ingest-sample/activity";
import { ingestUploadActivity } from "./ingest-upload/activity";
import { internalNoopActivity } from "./internal-noop/activity";
import { internalNumbersActivity } from "./internal-numbers/activity";
import { internalSleepActivity } from "./internal-sleep/activity";
import { internalSumActivity } from "./internal-sum/activity";
import { prepDeriveActivity } from "./prep-derive/activity";
import { prepEncodeActivity } from "./prep-encode/activity";
import { prepFilterActivity } from "./prep-filter/activity";
import { prepImputeActivity } from "./prep-impute/activity";
import { prepScaleActivity } from "./prep-scale/activity";
import { prepSelectActivity } from "./prep-select/activity";
import { prepSplitActivity } from "./prep-split/activity";
import { prepSqlActivity } from "./prep-sql/activity";
import { prepValidateActivity } from "./prep-validate/activity";
import { trainLinearActivity } from "./train-linear/activity";
import { trainLogisticActivity } from "./train-logistic/activity";
import { trainGbdtActivity } from "./train-gbdt/activity";
import { trainMlpActivity } from "./train-mlp/activity";
import { trainForestActivity } from "./train-forest/activity";
import { evaluateModelActivity } from "./evaluate-model/activity";
import { evaluateExplainActivity } from "./evaluate-explain/activity";
import { tuneSearchActivity } from "./tune-search/activity";
import { tuneTrialActivity } from "./tune-search/trial";
import { deployEndpointActivity } from "./deploy-endpoint/activity";
import { monitorDriftActivity } from "./monitor-drift/activity";
import { codePythonActivity } from "./code-python/activity";
import { codeTypescriptActivity } from "./code-typescript/activity";

/**
 * The server side of every node, server-only: the worker registers each activity under its node
 * type. `satisfies` makes a missing or extra implementation a type error.
 */
export const nodeImplementations = {
  "internal.numbers": internalNumbersActivity,
  "internal.sum": internalSumActivity,
  "internal.sleep": internalSleepActivity,
  "internal.noop": internalNoopActivity,
  "ingest.sample": ingestSampleActivity,
  "ingest.upload": ingestUploadActivity,
  "ingest.file": ingestFileActivity,
  "ingest.postgres": ingestPostgresActivity,
  "prep.select": prepSelectActivity,
  "prep.filter": prepFilterActivity,
  "prep.sql": prepSqlActivity,
  "prep.split": prepSplitActivity,
  "prep.impute": prepImputeActivity,
  "prep.encode": prepEncodeActivity,
  "prep.scale": prepScaleActivity,
  "prep.derive": prepDeriveActivity,
  "prep.validate": prepValidateActivity,
  "train.linear": trainLinearActivity,
  "train.logistic": trainLogisticActivity,
  "train.gbdt": trainGbdtActivity,
  "train.mlp": trainMlpActivity,
  "train.forest": trainForestActivity,
  "evaluate.model": evaluateModelActivity,
  "evaluate.explain": evaluateExplainActivity,
  "tune.search": tuneSearchActivity,
  "deploy.endpoint": deployEndpointActivity,
  "monitor.drift": monitorDriftActivity,
  "code.python": codePythonActivity,
  "code.typescript": codeTypescriptActivity,
} satisfies Record<NodeType, NodeImplementation<never>>;

/** Activities that steps start as workflows of their own (ctx.runChild), not nodes. */
export const childActivities = {
  "tune.trial": tuneTrialActivity,
} satisfies Record<string, (ctx: StepContext) => Promise<unknown>>;

const implementations = Object.values(nodeImplementations) as NodeImplementation<never>[];

/** Trainers by algorithm, for tune's trials. */
export const trainers = Object.fromEntries(
  implementations.flatMap((i) => (i.trainer ? [[i.trainer.algorithm, i.trainer]] : [])),
);

/** How each recorded prep op runs inside an exported model, gathered from the prep nodes. */
export const prepOnnx = Object.fromEntries(
  implementations.flatMap((i) => Object.entries(i.prepOnnx ?? {})),
);
