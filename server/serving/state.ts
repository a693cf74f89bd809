import { eq } from "drizzle-orm";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";
import { deployments, models, modelVersions } from "../db/schema";
import type { Signature } from "../../lib/ml/export";
import { localScorers, openScorer, type Scorer, type ScorerFactory } from "./scorer";

export interface LoadedVersion {
  versionId: string;
  version: number;
  modelName: string;
  signature: Signature;
  scorer: Scorer;
}

/** What one endpoint serves at one revision. Replaced as a whole, never mutated. */
export interface Endpoint {
  id: string;
  name: string;
  revision: number;
  strategy: "replace" | "canary" | "shadow";
  challengerPercent: number;
  apiKeyHash: string;
  rateLimitPerMinute: number;
  primary: LoadedVersion;
  challenger?: LoadedVersion;
}

const RELEASE_AFTER_MS = 30_000;

/**
 * Every deployment's sessions, kept warm and refreshed from the database. A changed deployment's
 * new sessions are opened first and the endpoint is swapped in one assignment; requests hold the
 * endpoint they started with, and a version no longer served is released only after a grace
 * period, so no request fails during a swap.
 */
export class ServingState {
  private endpoints = new Map<string, Endpoint>();
  private sessions = new Map<string, Promise<LoadedVersion>>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  ready = false;
  lastError: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
    private readonly intervalMs = 1000,
    private readonly scorers: ScorerFactory = localScorers,
  ) {}

  start(): this {
    const tick = () => {
      this.refresh()
        .catch((err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
        })
        .finally(() => {
          this.timer = setTimeout(tick, this.intervalMs);
          this.timer.unref();
        });
    };
    tick();
    return this;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  get(name: string): Endpoint | undefined {
    return this.endpoints.get(name);
  }

  list(): Endpoint[] {
    return [...this.endpoints.values()];
  }

  /** Loads what changed since the last refresh; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private version(id: string): Promise<LoadedVersion> {
    let loaded = this.sessions.get(id);
    if (!loaded) {
      loaded = (async () => {
        const [row] = await this.db
          .select({ v: modelVersions, modelName: models.name })
          .from(modelVersions)
          .innerJoin(models, eq(models.id, modelVersions.modelId))
          .where(eq(modelVersions.id, id));
        if (!row) throw new Error(`model version ${id} is not registered`);
        const signature = row.v.signature as unknown as Signature;
        const scorer = await openScorer(
          this.scorers,
          await this.store.get(row.v.artifactHash),
          signature,
        );
        return {
          versionId: id,
          version: row.v.version,
          modelName: row.modelName,
          signature,
          scorer,
        };
      })();
      loaded.catch(() => this.sessions.delete(id));
      this.sessions.set(id, loaded);
    }
    return loaded;
  }

  private async load(): Promise<void> {
    const rows = await this.db.select().from(deployments);
    const next = new Map<string, Endpoint>();
    const problems: string[] = [];
    for (const d of rows) {
      const current = this.endpoints.get(d.name);
      if (current && current.revision === d.revision && current.id === d.id) {
        next.set(d.name, current);
        continue;
      }
      let primary: LoadedVersion;
      let challenger: LoadedVersion | undefined;
      try {
        [primary, challenger] = await Promise.all([
          this.version(d.primaryVersionId),
          d.challengerVersionId ? this.version(d.challengerVersionId) : undefined,
        ]);
      } catch (err) {
        // One endpoint that cannot load keeps serving what it served; the others go on.
        problems.push(`${d.name}: ${err instanceof Error ? err.message : String(err)}`);
        if (current) next.set(d.name, current);
        continue;
      }
      next.set(d.name, {
        id: d.id,
        name: d.name,
        revision: d.revision,
        strategy: d.strategy,
        challengerPercent: d.challengerPercent,
        apiKeyHash: d.apiKeyHash,
        rateLimitPerMinute: d.rateLimitPerMinute,
        primary,
        challenger,
      });
    }
    this.endpoints = next;
    this.ready = true;
    this.lastError = problems.length ? problems.join("; ") : null;
    const used = new Set(
      [...next.values()].flatMap((e) => [e.primary.versionId, e.challenger?.versionId]),
    );
    for (const id of [...this.sessions.keys()].filter((k) => !used.has(k))) {
      const loaded = this.sessions.get(id)!;
      this.sessions.delete(id);
      setTimeout(() => {
        void loaded.then((l) => l.scorer.release()).catch(() => undefined);
      }, RELEASE_AFTER_MS).unref();
    }
  }
}
