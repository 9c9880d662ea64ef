// `push`: copies a bundle (a file, stdin, or another registry location) to `oci://HOST/REPOSITORY:TAG`.

import { formatBytes } from '../bundle/index.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { pushBundle, type PushResult } from '../io/oci/push.ts';
import { parseOciReference } from '../io/oci/reference.ts';
import { registrySettings } from '../io/oci/settings.ts';
import { logAt } from '../io/term/log.ts';
import { toJson } from '../io/term/render.ts';
import { startTask } from '../io/term/progress.ts';
import { note, type StdStreams } from '../io/term/streams.ts';
import type { PushCommandOptions } from './options.ts';

/**
 * Reads the bundle once, checking it as `validate` does, uploads the blobs the registry lacks and tags the image
 * index last. Prints the pushed reference with its digest on stdout, a summary on stderr.
 */
export async function runPush(options: PushCommandOptions, streams: StdStreams): Promise<PushResult> {
  // Checked before the input is opened: a bad destination is a usage error, whatever the input.
  parseOciReference(options.destination);
  const { stream, source } = await openInputStream(options.bundle, streams);
  const progress = startTask(`push ${options.destination}`, { unit: 'bytes' });
  let result: PushResult;
  try {
    result = await pushBundle(stream, options.destination, { registry: registrySettings(), source, onProgress: (bytes) => progress.add(bytes) });
  } finally {
    progress.done();
  }
  streams.stdout.write(options.output === 'json' ? toJson(pushSummary(result)) : `${result.reference}\n`);
  const sent = result.blobs - result.skippedBlobs;
  note(
    streams,
    `pushed ${result.blobs} blobs (${formatBytes(result.blobBytes)}): ${sent} uploaded, ${result.skippedBlobs} already in the registry (${formatBytes(result.skippedBytes)} not sent); ${formatBytes(result.counters.uploadedBytes)} sent in ${result.counters.requests} requests`,
  );
  if (!result.tar.identical) {
    note(streams, `note: ${source} is not in the canonical form (gzipped, or written by another tool): pulling gives the same entries as a plain tar with sha256 ${result.tar.sha256}`);
  }
  logAt(1, `bundle tar sha256 ${result.tar.sha256} (${result.tar.size} bytes)`);
  return result;
}

/** What `push -o json` prints: the reference and digest, and what was sent against what the bundle holds. */
export function pushSummary(result: PushResult) {
  return {
    reference: result.reference,
    digest: result.digest,
    blobs: { count: result.blobs, bytes: result.blobBytes, uploaded: result.blobs - result.skippedBlobs, skipped: result.skippedBlobs, skippedBytes: result.skippedBytes },
    sent: { bytes: result.counters.uploadedBytes, requests: result.counters.requests },
    tar: result.tar,
  };
}
