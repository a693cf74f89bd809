import { readFileSync } from "node:fs";
import { env, requireTemporalAddress } from "../../lib/env";

/** Connection options shared by the client (web, CLI) and the worker. */
export function temporalConnectionOptions() {
  const e = env();
  const tls =
    e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH
      ? {
          clientCertPair: {
            crt: readFileSync(e.TEMPORAL_TLS_CERT_PATH),
            key: readFileSync(e.TEMPORAL_TLS_KEY_PATH),
          },
          serverRootCACertificate: e.TEMPORAL_TLS_CA_PATH
            ? readFileSync(e.TEMPORAL_TLS_CA_PATH)
            : undefined,
        }
      : e.TEMPORAL_API_KEY
        ? true
        : undefined;
  return {
    address: requireTemporalAddress(),
    tls,
    apiKey: e.TEMPORAL_API_KEY,
  };
}
