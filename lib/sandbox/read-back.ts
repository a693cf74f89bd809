import { constants, type Stats } from "node:fs";
import { lstat, open, type FileHandle } from "node:fs/promises";
import { ReadBackError } from "../errors";

/**
 * Reading back what sandboxed code left in its directory. Everything there is untrusted: the code
 * can leave a symbolic link (to /etc/passwd, to a file under DATA_DIR, to /proc/self/environ of
 * the worker), a FIFO that blocks whoever opens it, a socket, a hard link, or a file of any size.
 * So every file the worker reads back is opened here, and only here:
 *
 * - relative to the directory, one component at a time, with O_NOFOLLOW on each (a directory is
 *   opened with O_DIRECTORY and the next name is looked up inside that open directory through
 *   /proc/self/fd/N/name, which is openat(2) for Node), so no link is followed anywhere;
 * - O_NONBLOCK, so a FIFO or a device cannot stall the worker, then fstat on the open descriptor:
 *   regular files only, one link only, on the directory's own file system;
 * - sizes capped (JSON at 1 MiB, datasets and models by the step's output limit);
 * - errors name the file and what is wrong with it, never a byte of its contents.
 *
 * DuckDB and onnxruntime never get a path inside the directory: the verified descriptor's bytes
 * are copied to a fresh file of the worker's (copyOutOfBox) or read into memory (readBytesInBox).
 */

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;

/** The cap on a JSON file the code writes (error.json, metrics.json, a model's description). */
export const JSON_MAX_BYTES = 1024 * 1024;

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return "it is a symbolic link";
  if (stats.isFIFO()) return "it is a FIFO (named pipe)";
  if (stats.isSocket()) return "it is a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "it is a device";
  if (stats.isDirectory()) return "it is a directory";
  if (stats.isFile()) return "it is a file, not a directory";
  return "it is not a regular file";
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Why opening `name` in the open directory `dirFd` failed, in words (what is there instead, from an
 * lstat that follows nothing), or null when it does not exist.
 */
async function openProblem(err: unknown, dirFd: number, name: string): Promise<string | null> {
  switch (errorCode(err)) {
    case "ENOENT":
      return null;
    case "ELOOP":
    case "ENOTDIR":
    case "ENXIO": {
      const stats = await lstat(`/proc/self/fd/${dirFd}/${name}`).catch(() => null);
      return stats ? kindOf(stats) : `it cannot be opened (${errorCode(err)})`;
    }
    case "EACCES":
    case "EPERM":
      return "the worker may not open it";
    default:
      return `it cannot be opened (${errorCode(err) ?? "unknown error"})`;
  }
}

function checkRelative(relative: string): string[] {
  const parts = relative.split("/");
  if (parts.some((p) => !p || p === "." || p === ".." || p.includes("\0")))
    throw new ReadBackError(relative, "it is not a plain path inside the step directory");
  return parts;
}

/** An opened file inside the directory, verified: a regular file with one link, at most maxBytes. */
export interface BoxFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens `relative` (e.g. "out/dataset.parquet") inside `root` without following a link on any
 * component. Null when it does not exist; ReadBackError when it is anything but a regular file
 * of at most `maxBytes` with a single link. The caller closes the handle.
 */
export async function openInBox(
  root: string,
  relative: string,
  options: { maxBytes: number },
): Promise<BoxFile | null> {
  const parts = checkRelative(relative);
  let dir = await open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    const rootDev = (await dir.stat()).dev;
    const sameDevice = (stats: Stats, name: string) => {
      if (stats.dev !== rootDev)
        throw new ReadBackError(name, "it is on another file system than the step directory");
    };
    for (let i = 0; i < parts.length - 1; i++) {
      const name = parts.slice(0, i + 1).join("/");
      let next: FileHandle;
      try {
        next = await open(
          `/proc/self/fd/${dir.fd}/${parts[i]}`,
          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK,
        );
      } catch (err) {
        const problem = await openProblem(err, dir.fd, parts[i]!);
        if (problem === null) return null;
        throw new ReadBackError(name, problem);
      }
      await dir.close();
      dir = next;
      sameDevice(await dir.stat(), name);
    }
    let handle: FileHandle;
    try {
      handle = await open(
        `/proc/self/fd/${dir.fd}/${parts[parts.length - 1]}`,
        O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
      );
    } catch (err) {
      const problem = await openProblem(err, dir.fd, parts[parts.length - 1]!);
      if (problem === null) return null;
      throw new ReadBackError(relative, problem);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new ReadBackError(relative, kindOf(stats));
      if (stats.nlink !== 1)
        throw new ReadBackError(relative, `it has ${stats.nlink} hard links (one is allowed)`);
      sameDevice(stats, relative);
      if (stats.size > options.maxBytes)
        throw new ReadBackError(
          relative,
          `it is ${stats.size} bytes, over the limit of ${options.maxBytes}`,
        );
      return { handle, size: stats.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  } finally {
    await dir.close();
  }
}

/** Reads the whole of an opened file, refusing it if it grew past maxBytes since it was checked. */
async function readAll(file: BoxFile, relative: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(Math.min(Math.max(file.size, 1), 1024 * 1024) + 1);
  for (;;) {
    const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes)
      throw new ReadBackError(relative, `it is over the limit of ${maxBytes} bytes`);
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
  }
  return Buffer.concat(chunks, total);
}

/** The bytes of a file in the directory (verified as openInBox does); null when it does not exist. */
export async function readBytesInBox(
  root: string,
  relative: string,
  options: { maxBytes: number },
): Promise<Buffer | null> {
  const file = await openInBox(root, relative, options);
  if (!file) return null;
  try {
    return await readAll(file, relative, options.maxBytes);
  } finally {
    await file.handle.close();
  }
}

/**
 * A JSON file in the directory, parsed; undefined when it does not exist. A file that is not
 * valid JSON is refused without quoting any of it (V8's parse errors quote the text).
 */
export async function readJsonInBox(
  root: string,
  relative: string,
  options: { maxBytes?: number } = {},
): Promise<unknown> {
  const bytes = await readBytesInBox(root, relative, {
    maxBytes: options.maxBytes ?? JSON_MAX_BYTES,
  });
  if (bytes === null) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    throw new ReadBackError(relative, "it is not valid JSON");
  }
}

/**
 * Copies a file of the directory (verified as openInBox does) to `dest`, a new file that must not
 * exist yet, so that whoever reads it next (DuckDB, the artifact store) never opens a path inside
 * the directory. False when the file does not exist.
 */
export async function copyOutOfBox(
  root: string,
  relative: string,
  dest: string,
  options: { maxBytes: number },
): Promise<boolean> {
  const file = await openInBox(root, relative, options);
  if (!file) return false;
  try {
    const out = await open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      const buffer = Buffer.alloc(1024 * 1024);
      let total = 0;
      for (;;) {
        const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > options.maxBytes)
          throw new ReadBackError(relative, `it is over the limit of ${options.maxBytes} bytes`);
        await out.write(buffer, 0, bytesRead);
      }
    } finally {
      await out.close();
    }
  } finally {
    await file.handle.close();
  }
  return true;
}
