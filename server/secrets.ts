import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "../lib/env";

/**
 * AES-256-GCM for secrets stored in the database (data-source passwords). The key comes from
 * SECRETS_KEY (base64, 32 bytes) or, on embedded defaults, from <DATA_DIR>/secret.key, created on
 * first use with mode 0600. Every web and worker process of one installation needs the same key.
 */
function key(): Buffer {
  const configured = env().SECRETS_KEY;
  if (configured) {
    const k = Buffer.from(configured, "base64");
    if (k.length !== 32)
      throw new Error("SECRETS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
    return k;
  }
  const file = path.join(env().dataDir, "secret.key");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
}

export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [
    "v1",
    iv.toString("base64"),
    cipher.getAuthTag().toString("base64"),
    body.toString("base64"),
  ].join(":");
}

export function decryptSecret(stored: string): string {
  const [version, iv, tag, body] = stored.split(":");
  if (version !== "v1" || !iv || !tag || body === undefined)
    throw new Error("Unreadable stored secret");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new Error(
      "A stored secret cannot be decrypted: the secrets key changed (SECRETS_KEY or secret.key)",
    );
  }
}

/** A key for another purpose (signing session cookies), derived so one secret serves both. */
export function derivedKey(purpose: string): string {
  return createHmac("sha256", key()).update(`flowforge:${purpose}`).digest("base64");
}
