// `transform`: bundle or manifests in, rewritten for restore out, with a report of every change.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { bundleHeader, volumeIndexPath, type ExportRecord } from '../bundle/index.ts';
import { InputError, KvbError } from '../errors.ts';
import { buildGraph } from '../graph/index.ts';
import type { JsonValue, KubeObject } from '../model/kube-object.ts';
import { ObjectIndex } from '../model/object-index.ts';
import { parseDocuments } from '../model/parse-manifests.ts';
import { refOf } from '../model/object-ref.ts';
import { checkOptionValue, RULE_NAMES, transform, transformOption, type TransformOptionsInput, type TransformReport } from '../transform/index.ts';
import { openOutput, writeOutput } from '../io/files/output.ts';
import { createBundleWriter, type BundleWriter } from '../io/tar/bundle-writer.ts';
import { writeVolume } from '../io/chunks/write-volume.ts';
import type { BundleReader } from '../io/tar/bundle-reader.ts';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { renderObjects, toJson } from '../io/term/render.ts';
import { startTask } from '../io/term/progress.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import { loadInput, releaseObjects, type LoadedInput } from './load-input.ts';
import type { TransformCommandOptions, TransformFlags } from './options.ts';

/** A bundle made from plain manifests has no creation time of its own; a fixed one keeps output reproducible. */
const MANIFESTS_CREATED_AT = '1970-01-01T00:00:00Z';

export async function runTransform(options: TransformCommandOptions, streams: StdStreams): Promise<void> {
  const flags = options.transform;
  const seed = flags.seed ?? randomBytes(12).toString('hex');
  if (flags.seed === undefined) note(streams, `transform: using random seed ${seed} (pass --seed ${seed} to reproduce)`);
  const transformOptions = await resolveFlags(flags, seed);

  const input = await loadInput(options.input, options.namespace, streams, 'transform');
  try {
    const { objects, report, summary } = runRules(input, transformOptions, options.reportFile !== undefined);
    const format = options.output ?? (input.type === 'bundle' ? 'bundle' : 'yaml');
    // Opened first, so a report that cannot be written stops the run before any output is.
    const reportOutput = options.reportFile ? await openOutput(options.reportFile, streams, { binary: false }) : undefined;
    try {
      if (format === 'bundle') {
        await writeBundle(input, objects, summary.options, transformOptions, options.outputFile, streams);
      } else {
        if (input.type === 'bundle') await input.reader.finish();
        await writeOutput(options.outputFile, streams, renderObjects(objects, format));
      }
      if (reportOutput && report) {
        reportOutput.stream.write(toJson(report));
        await reportOutput.commit();
      }
    } catch (error) {
      await reportOutput?.abort();
      throw error;
    }
    summarize(summary, streams);
  } finally {
    if (input.type === 'bundle') input.reader.close();
  }
}

/** What the summary line and the output header need from the report. */
interface TransformSummary {
  objects: number;
  dropped: number;
  changes: number;
  warnings: string[];
  options: TransformReport['options'];
}

/**
 * Runs the rules, then lets go of the input objects and, unless it is to be written, of the report (whose old
 * values keep removed parts of the input alive): the memory they held then serves the graph and the output.
 */
function runRules(input: LoadedInput, options: TransformOptionsInput, keepReport: boolean): { objects: KubeObject[]; report?: TransformReport; summary: TransformSummary } {
  const { objects, report } = transform(input.index, options);
  releaseObjects(input);
  const summary: TransformSummary = {
    objects: objects.length,
    dropped: report.dropped.length,
    changes: report.changes.length,
    warnings: report.warnings.map((warning) => warning.message),
    options: report.options,
  };
  return keepReport ? { objects, report, summary } : { objects, summary };
}

/** The flags as transform options: reads the options given as files and fills in the seed. */
export async function resolveFlags(flags: TransformFlags, seed: string): Promise<TransformOptionsInput> {
  const { files = {}, ...values } = flags;
  const resolved: TransformOptionsInput = { ...values, seed };
  for (const [key, file] of Object.entries(files)) {
    if (file !== undefined) (resolved as Record<string, JsonValue>)[key] = await readOptionFile(key, file);
  }
  return resolved;
}

/**
 * Reads an option given as a YAML or JSON file (one document) and checks it against the option's declaration.
 * @throws InputError naming the file.
 */
async function readOptionFile(key: string, file: string): Promise<JsonValue> {
  const text = await readFile(file, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: ${cause.code === 'ENOENT' ? 'no such file' : cause.message}`);
  });
  const documents = parseDocuments(text, file);
  if (documents.length !== 1) throw new InputError(`${file}: the value of --${transformOption(key)?.declaration.flag.name ?? key} is one YAML or JSON document, found ${documents.length}`);
  return checkOptionValue(key, documents[0]!.value, file);
}

async function writeBundle(
  input: LoadedInput,
  objects: readonly KubeObject[],
  reportOptions: TransformReport['options'],
  options: TransformOptionsInput,
  outputFile: string,
  streams: StdStreams,
): Promise<void> {
  const output = await openOutput(outputFile, streams, { binary: true });
  const writer = createBundleWriter(output.stream, { end: outputFile !== '-', includeToken: true });
  try {
    const exports = input.type === 'bundle' ? input.metadata.exports.map((record) => (input.reader.version === 'v1alpha1' ? convertedRecord(record) : record)) : [];
    const previous = input.type === 'bundle' ? input.metadata.header : undefined;
    await writer.writeHeader(
      bundleHeader({
        createdAt: previous?.createdAt ?? MANIFESTS_CREATED_AT,
        source: previous?.source,
        selection: previous?.selection ?? {},
        transformed: { seed: options.seed, options: reportOptions, rules: [...RULE_NAMES] },
        objects: objects.length,
        exports,
      }),
    );
    await writer.writeGraph(buildGraph(ObjectIndex.of(objects)));
    const written = startTask('transform: objects written', { unit: 'items', total: objects.length }, streams.stderr);
    for (const object of objects) {
      await writer.writeObject(refOf(object), object);
      written.add(1);
    }
    written.done();
    for (const record of exports) await writer.writeExport(record);
    if (input.type === 'bundle') {
      const copied = startTask('transform: data entries copied', { unit: 'items' }, streams.stderr);
      await copyData(input.reader, writer, () => copied.add(1));
      copied.done();
      await input.reader.finish();
    }
    await writer.finish();
    await output.commit();
  } catch (error) {
    writer.abort(error instanceof Error ? error : undefined);
    await output.abort();
    throw error;
  }
}

/**
 * Volume data passes through unchanged: v1alpha2 chunks are copied verbatim (never decompressed) and indexes as
 * they are; v1alpha1 data files are cut into chunks (gzip and tar.gz inflated first), which converts the bundle.
 */
async function copyData(reader: BundleReader, writer: BundleWriter, onEntry: () => void): Promise<void> {
  for await (const entry of reader.dataEntries()) {
    onEntry();
    if (entry.kind === 'chunk') {
      await writer.copyChunk(entry.sha256, await entry.readParts());
    } else if (entry.kind === 'index') {
      await writer.addVolumeIndex(entry.index);
    } else {
      const volume = { namespace: entry.namespace, volume: entry.volume, format: entry.format === 'tar.gz' ? ('archive' as const) : ('raw' as const) };
      try {
        await writeVolume(writer, volume, entry.format === 'raw' ? entry.stream : inflated(entry.stream));
      } catch (error) {
        if (error instanceof KvbError) throw error;
        throw new InputError(`bundle entry ${entry.path}: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * The bytes of a v1alpha1 `gzip` or `tar.gz` data file as CDI would take them: inflated when they start with the
 * gzip magic, as they are otherwise (CDI's upload server decides by the same bytes).
 */
async function* inflated(stream: Readable): AsyncGenerator<Uint8Array> {
  const iterator: AsyncIterator<Buffer> = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  const source = Readable.from(rest());
  source.on('error', (error) => gunzip.destroy(error));
  yield* source.pipe(gunzip);
}

/** A v1alpha1 export record as v1alpha2 lists its data: each volume by its index. */
function convertedRecord(record: ExportRecord): ExportRecord {
  return {
    ...record,
    data: record.data.map((item) => ({ volume: item.volume, format: item.format === 'tar.gz' ? 'archive' : 'raw', path: volumeIndexPath(record.namespace, item.volume) })),
  };
}

function summarize(summary: TransformSummary, streams: StdStreams): void {
  note(streams, `transform: ${summary.objects} objects out, ${summary.dropped} dropped, ${summary.changes} changes`);
  for (const warning of summary.warnings) note(streams, `warning: ${warning}`);
}
