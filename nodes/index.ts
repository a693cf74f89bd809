import { ingestFile } from "./ingest-file/node";
import { ingestPostgres } from "./ingest-postgres/node";
import { ingestSample } from "./ingest-sample/node";
import { ingestUpload } from "./ingest-upload/node";
import { internalNoop } from "./internal-noop/node";
import { internalNumbers } from "./internal-numbers/node";
import { internalSleep } from "./internal-sleep/node";
import { internalSum } from "./internal-sum/node";
import { prepDerive } from "./prep-derive/node";
import { prepEncode } from "./prep-encode/node";
import { prepFilter } from "./prep-filter/node";
import { prepImpute } from "./prep-impute/node";
import { prepScale } from "./prep-scale/node";
import { prepSelect } from "./prep-select/node";
import { prepSplit } from "./prep-split/node";
import { prepSql } from "./prep-sql/node";
import { prepValidate } from "./prep-validate/node";
import { trainLinear } from "./train-linear/node";
import { trainLogistic } from "./train-logistic/node";
import { trainGbdt } from "./train-gbdt/node";
import { trainMlp } from "./train-mlp/node";
import { trainForest } from "./train-forest/node";
import { evaluateModel } from "./evaluate-model/node";
import { evaluateExplain } from "./evaluate-explain/node";
import { defineTuneSearch } from "./tune-search/node";
import { deployEndpoint } from "./deploy-endpoint/node";
import { monitorDrift } from "./monitor-drift/node";
import { codePython } from "./code-python/node";
import { codeTypescript } from "./code-typescript/node";
import type { NodeDefinition, NodeShape } from "./types";

const catalog = {
  "internal.numbers": internalNumbers,
  "internal.sum": internalSum,
  "internal.sleep": internalSleep,
  "internal.noop": internalNoop,
  "ingest.sample": ingestSample,
  "ingest.upload": ingestUpload,
  "ingest.file": ingestFile,
  "ingest.postgres": ingestPostgres,
  "prep.select": prepSelect,
  "prep.filter": prepFilter,
  "prep.sql": prepSql,
  "prep.split": prepSplit,
  "prep.impute": prepImpute,
  "prep.encode": prepEncode,
  "prep.scale": prepScale,
  "prep.derive": prepDerive,
  "prep.validate": prepValidate,
  "train.linear": trainLinear,
  "train.logistic": trainLogistic,
  "train.gbdt": trainGbdt,
  "train.mlp": trainMlp,
  "train.forest": trainForest,
  "evaluate.model": evaluateModel,
  "evaluate.explain": evaluateExplain,
  "deploy.endpoint": deployEndpoint,
  "monitor.drift": monitorDrift,
  "code.python": codePython,
  "code.typescript": codeTypescript,
} as const satisfies Record<string, NodeDefinition>;

/** The node catalog: the one registry of definitions, read by the canvas, validator and compiler. */
export const nodeDefinitions = {
  ...catalog,
  // Tune offers every trainer of the catalog that declares a tunable space.
  "tune.search": defineTuneSearch(Object.values(catalog)),
} as const satisfies Record<string, NodeDefinition>;

export type NodeType = keyof typeof nodeDefinitions;

export function getNodeDefinition(type: string): NodeDefinition | undefined {
  return (nodeDefinitions as Record<string, NodeDefinition>)[type];
}

/** The definitions a user may place on the canvas. */
export function paletteNodes(): NodeDefinition[] {
  return Object.values(nodeDefinitions as Record<string, NodeDefinition>).filter(
    (d) => !d.internal,
  );
}

/** A node's ports for its params: the definition's, or those its code declares. */
export function shapeOf(type: string, params: unknown): NodeShape | undefined {
  const def = getNodeDefinition(type);
  if (!def) return undefined;
  if (def.shape)
    return def.shape(
      params && typeof params === "object" ? (params as Record<string, unknown>) : {},
    );
  return { inputs: def.inputs, outputs: def.outputs, params: null, declared: [], errors: [] };
}
