import { env, type Env } from "../../lib/env";
import { createArtifactStore, type ArtifactStore } from "./store";

// One store (and, for S3, one client with its connection pool) per configuration and process.
const stores = new WeakMap<Env, ArtifactStore>();

export function defaultArtifactStore(): ArtifactStore {
  const e = env();
  let store = stores.get(e);
  if (!store) stores.set(e, (store = createArtifactStore(e)));
  return store;
}
