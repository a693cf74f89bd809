import { PathError } from "../errors";
import { realpath } from "node:fs/promises";
import path from "node:path";

/**
 * Resolves a user-supplied relative path inside `root`, or throws. Absolute paths, `..` segments
 * and NUL bytes are refused outright; symlinks are followed and must still land inside the root.
 * Nothing is URL-decoded: `%2e%2e%2f` is a file name, not a way out.
 */
export async function resolveInside(
  root: string,
  userPath: string,
  what = "path",
): Promise<string> {
  if (userPath.includes("\0")) throw new PathError(`The ${what} contains a NUL byte`);
  if (userPath.trim() === "") throw new PathError(`The ${what} is empty`);
  if (path.isAbsolute(userPath) || /^[A-Za-z]:[\\/]/.test(userPath)) {
    throw new PathError(`The ${what} "${userPath}" must be relative to the data directory`);
  }
  if (userPath.split(/[\\/]/).includes(".."))
    throw new PathError(`The ${what} "${userPath}" may not contain ".."`);
  const rootReal = await realpath(root).catch(() => {
    throw new PathError(`The data directory ${root} does not exist`);
  });
  const candidate = path.resolve(rootReal, userPath);
  const real = await realpath(candidate).catch(() => {
    throw new PathError(`No file "${userPath}" in the data directory`);
  });
  const rel = path.relative(rootReal, real);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new PathError(`The ${what} "${userPath}" leads outside the data directory`);
  }
  return real;
}
