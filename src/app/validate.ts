// `validate`: reads a whole bundle once and lists every problem: header, schemas, checksums, graph completeness.

import type { Readable } from 'node:stream';
import { BundleInputError, describeProblem, graphPath, hasBaseExtents, isZeroExtent, type BundleProblem, type VolumeIndex } from '../bundle/index.ts';
import { ChunkCollector } from '../io/chunks/chunk-source.ts';
import { readVolume } from '../io/chunks/read-volume.ts';
import { describeMissing, missingRequired } from '../graph/index.ts';
import { InputError } from '../errors.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { isOciLocation } from '../io/oci/reference.ts';
import { openBundle } from '../io/tar/bundle-reader.ts';
import { renderJsonPath, toJson } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import type { BundleCommandOptions } from './options.ts';

/** The result of `validate`: `ok` only when there is no problem at all (the CLI exits 0 only then). */
export interface ValidateResult {
  ok: boolean;
  /** In the order found; a structural problem (unsafe entry, truncation, bad order) ends the list. */
  problems: BundleProblem[];
}

/**
 * Checks the header and format version, every document against its schema, every entry against the trailer
 * (a missing header or trailer is a problem), data against the export records, and that no non-optional edge of
 * the graph points to a missing object. For v1alpha2, every chunk fully: its stored digest and size against the
 * index, its content (decompressed) against its name and length, no zero chunk stored, each stored once and named
 * by an index; and every index: its layout and its volume's sha256 recomputed in offset order. Chunks are read
 * back from `file` when the bundle is one (random access), else kept in a private temporary directory until the
 * end. Problems are returned, not thrown.
 */
export async function validateBundle(input: Readable, source?: string, file?: string): Promise<ValidateResult> {
  const problems: BundleProblem[] = [];
  const onProblem = (problem: BundleProblem) => problems.push(problem);
  let reader: Awaited<ReturnType<typeof openBundle>> | undefined;
  const chunks = new ChunkCollector({ file });
  try {
    reader = await openBundle(input, source === undefined ? { onProblem } : { source, onProblem });
    const metadata = await reader.metadata();
    for (const missing of missingRequired(metadata.graph)) {
      problems.push({ code: 'graph-incomplete', entry: graphPath(reader.version), message: `required object missing: ${describeMissing(missing)}` });
    }
    for await (const data of reader.dataEntries()) {
      if (data.kind === 'chunk') await chunks.add(data);
      else if (data.kind === 'index') await checkVolume(data.path, data.index, chunks, source, onProblem);
      else await data.skip();
    }
    await reader.finish();
  } catch (error) {
    if (!(error instanceof BundleInputError)) throw error;
    problems.push(error.problem);
  } finally {
    reader?.close();
    await chunks.close();
  }
  return { ok: problems.length === 0, problems };
}

/** Rebuilds one volume from its chunks, verifying each and the whole; the first problem is reported. */
async function checkVolume(path: string, index: VolumeIndex, chunks: ChunkCollector, source: string | undefined, onProblem: (problem: BundleProblem) => void): Promise<void> {
  try {
    // An incremental's base chunks are in other bundles (restore and merge check them): its own chunks are checked here.
    const own = hasBaseExtents(index) ? { ...index, extents: index.extents.filter((extent) => isZeroExtent(extent) || !extent.base) } : index;
    for await (const piece of readVolume(own, chunks, { path, source, checkVolumeDigest: true })) void piece;
  } catch (error) {
    if (!(error instanceof BundleInputError)) throw error;
    onProblem(error.problem);
  }
}

/** The text output of `validate`: one line per problem, or a line saying the bundle is valid. */
export function formatValidateResult(result: ValidateResult, source?: string): string {
  if (result.ok) return `${source === undefined ? 'bundle' : source}: valid\n`;
  return result.problems.map((problem) => `${describeProblem(problem, source)}\n`).join('');
}

/** `validate <bundle>`: every problem on stdout; exit 0 only when every check holds. */
export async function runValidate(options: BundleCommandOptions, streams: StdStreams): Promise<void> {
  const { stream, source } = await openInputStream(options.filename, streams);
  // Chunks are read again from a bundle file (random access); from stdin or a registry they are spooled.
  const file = options.filename === '-' || isOciLocation(options.filename) ? undefined : options.filename;
  const result = await validateBundle(stream, source, file);
  const output = options.output;
  streams.stdout.write(output === 'text' ? formatValidateResult(result, source) : output === 'json' ? toJson(result) : renderJsonPath(result, output.jsonpath));
  if (!result.ok) {
    const count = result.problems.length;
    throw new InputError(
      `${source}: invalid bundle (${count} problem${count === 1 ? '' : 's'}): ${describeProblem(result.problems[0]!, source)}`,
    );
  }
}
